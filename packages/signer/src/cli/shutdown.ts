import type { Sidecar } from "../server/sidecar.js";

/** Closes the sidecar (connections, stores, audit log) on SIGTERM/SIGINT, then exits. */
export function closeOnSignals(sidecar: Sidecar): void {
  let closing = false;
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    const timer = setTimeout(() => process.exit(1), 10_000);
    timer.unref();
    sidecar.close().then(
      () => process.exit(signal === "SIGINT" ? 130 : 0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
