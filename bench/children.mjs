// Child processes started by the benchmark (sidecars, redis-server): every one is stopped on
// the way out, whether the run ends normally, throws, or is interrupted (Ctrl-C, SIGTERM).
import { spawn } from "node:child_process";

const live = new Set();

/**
 * Spawns a tracked child. stdout/stderr are kept (last 64 KiB each) so a failure can be
 * explained; pass `inheritStderr` to see them live instead.
 */
export function startChild(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
  const out = { stdout: "", stderr: "" };
  for (const name of ["stdout", "stderr"]) {
    child[name].setEncoding("utf8");
    child[name].on("data", (chunk) => {
      out[name] = (out[name] + chunk).slice(-65_536);
    });
  }
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  child.once("error", (err) => {
    out.stderr += `\nspawn error: ${err.message}`;
  });
  live.add(child);
  exited.then(() => live.delete(child));
  return {
    child,
    output: () => ({ ...out }),
    exited,
    /** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

const exitHooks = [];

/** Registers a synchronous clean-up (e.g. removing a temp dir) to run on the way out. */
export function atExit(fn) {
  exitHooks.push(fn);
}

/** Kills every child still running, then runs the exit hooks (synchronous: usable from an "exit" handler). */
export function killAllChildren() {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  live.clear();
  for (const fn of exitHooks.splice(0)) {
    try {
      fn();
    } catch {
      // best effort on the way out
    }
  }
}

let installed = false;

/** Makes sure no child outlives the benchmark process. */
export function installCleanup() {
  if (installed) return;
  installed = true;
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      console.error(`\nbench: ${signal}, stopping child processes`);
      killAllChildren();
      process.exit(130);
    });
  }
}
