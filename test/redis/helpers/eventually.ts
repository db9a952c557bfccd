/**
 * Runs `attempt` every `stepMs` until it returns true, for at most `timeoutMs`; then throws
 * with `what` and the last state `attempt` reported. The only waiting loop of these tests.
 */
export async function eventually(
  what: string,
  attempt: () => Promise<{ ok: boolean; state: unknown }>,
  timeoutMs = 10_000,
  stepMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const { ok, state } = await attempt();
    if (ok) return;
    last = state;
    if (Date.now() + stepMs > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
