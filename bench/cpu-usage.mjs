// CPU time of the sidecar (from /proc) and of the benchmark process itself (autocannon and the
// request building: the load generator) over one run, so a figure says which side was busy.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSecond;

/** Kernel clock ticks per second (the unit of /proc/<pid>/stat times), 100 when unknown. */
function clockTicks() {
  if (ticksPerSecond === undefined) {
    const out = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
    const n = Number(out.stdout?.trim());
    ticksPerSecond = out.status === 0 && Number.isInteger(n) && n > 0 ? n : 100;
  }
  return ticksPerSecond;
}

/** User + system CPU seconds used so far by process `pid` (Linux), or undefined elsewhere. */
function processCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces, so split after its closing paren).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / clockTicks();
  } catch {
    return undefined;
  }
}

/** CPU seconds the whole machine spent busy so far (all cores, /proc/stat), or undefined off Linux. */
function machineBusySeconds() {
  try {
    const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal ...: everything but idle and iowait is busy.
    const busy = fields.reduce((sum, v, i) => (i === 3 || i === 4 || i > 7 ? sum : sum + v), 0);
    return busy / clockTicks();
  } catch {
    return undefined;
  }
}

/**
 * Starts measuring; the returned function gives the share of one core each process used since
 * then, in percent: { sidecar, redis, generator, others } (`generator` is this process;
 * `others` is every other process on the machine, which should be near 0 for a valid run;
 * all but generator are undefined off Linux, redis also when `redisPid` is).
 */
export function startCpuMeter(sidecarPid, redisPid) {
  const wall0 = performance.now();
  const own0 = process.cpuUsage();
  const side0 = processCpuSeconds(sidecarPid);
  const redis0 = redisPid === undefined ? undefined : processCpuSeconds(redisPid);
  const machine0 = machineBusySeconds();
  const share = (before, after, wall) => (before === undefined || after === undefined ? undefined : (100 * (after - before)) / wall);
  return () => {
    const wall = (performance.now() - wall0) / 1000;
    const own = process.cpuUsage(own0);
    const sidecar = share(side0, processCpuSeconds(sidecarPid), wall);
    const redis = redisPid === undefined ? undefined : share(redis0, processCpuSeconds(redisPid), wall);
    const generator = (100 * (own.user + own.system)) / 1e6 / wall;
    const machine = share(machine0, machineBusySeconds(), wall);
    const ours = sidecar === undefined ? undefined : sidecar + generator + (redis ?? 0);
    return { sidecar, redis, generator, others: machine === undefined || ours === undefined ? undefined : Math.max(0, machine - ours) };
  };
}
