import diagnosticsChannel from "node:diagnostics_channel";
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AirlockClient, type ErrorCode } from "@airlock/core";
import { backoffDelayMs, classifyTransportError } from "../../src/client/retry-policy.js";
import { FakeSidecar, TEST_SECRET } from "./fake-sidecar.js";
import { clientFor, rejectionOf, sampleRequest } from "./helpers.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function startFake(port = 0): Promise<FakeSidecar> {
  const fake = await new FakeSidecar().start(port);
  cleanups.push(() => fake.close());
  return fake;
}

function track<T extends { close(): Promise<void> }>(x: T): T {
  cleanups.push(() => x.close());
  return x;
}

/** A port nothing listens on (bound, read, released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Counts undici connect failures to `port` and runs `onFirst` at the first one. */
function watchConnectErrors(port: number, onFirst?: () => void): { count: () => number } {
  let count = 0;
  const listener = (message: unknown) => {
    const params = (message as { connectParams?: { port?: string | number } }).connectParams;
    if (Number(params?.port) !== port) return;
    count++;
    if (count === 1) onFirst?.();
  };
  diagnosticsChannel.subscribe("undici:client:connectError", listener);
  cleanups.push(() => void diagnosticsChannel.unsubscribe("undici:client:connectError", listener));
  return { count: () => count };
}

describe("retries that are safe", () => {
  it("503 twice then OK: succeeds, each attempt with a fresh nonce and timestamp", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake));
    fake.queue({ kind: "error", code: "SIGNER_UNAVAILABLE" }, { kind: "error", code: "REPLAY_STORE_UNAVAILABLE" });
    const res = await client.signSessionTransaction(sampleRequest());
    expect(res.signature).toHaveLength(4);
    expect(fake.requests).toHaveLength(3);
    expect(fake.acceptedNonces).toHaveLength(3);
    expect(new Set(fake.acceptedNonces).size).toBe(3);
  });

  it("connection refused, then the sidecar starts: succeeds", async () => {
    const port = await freePort();
    let starting: Promise<FakeSidecar> | undefined;
    const errors = watchConnectErrors(port, () => {
      starting = startFake(port);
    });
    const client = track(
      new AirlockClient({ baseUrl: `http://127.0.0.1:${port}`, hmacSecret: TEST_SECRET, retry: { attempts: 10, baseDelayMs: 50, maxDelayMs: 200 } }),
    );
    const res = await client.health();
    expect(res).toEqual({ ok: true });
    expect(errors.count()).toBeGreaterThanOrEqual(1);
    const fake = await starting!;
    expect(fake.requests).toHaveLength(1);
  });

  it("connection refused on every attempt: NETWORK after exactly `attempts` tries", async () => {
    const port = await freePort();
    const errors = watchConnectErrors(port);
    const client = track(
      new AirlockClient({ baseUrl: `http://127.0.0.1:${port}`, hmacSecret: TEST_SECRET, retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 } }),
    );
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toMatchObject({ code: "NETWORK" });
    expect((err as Error).message).toContain("ECONNREFUSED");
    expect(errors.count()).toBe(4);
  });

  it("503 on every attempt: UNAVAILABLE after exactly `attempts` requests", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake, { retry: { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 } }));
    for (let i = 0; i < 10; i++) fake.queue({ kind: "error", code: "SIGNER_UNAVAILABLE" });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "UNAVAILABLE", serverCode: "SIGNER_UNAVAILABLE" });
    expect(fake.requests).toHaveLength(5);
  });

  it("attempts: 1 never retries", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake, { retry: { attempts: 1 } }));
    fake.queue({ kind: "error", code: "SIGNER_UNAVAILABLE" });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "UNAVAILABLE" });
    expect(fake.requests).toHaveLength(1);
  });

  it("aborting during the backoff wait rejects with the signal's reason", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake, { retry: { attempts: 3, baseDelayMs: 60_000, maxDelayMs: 60_000 } }));
    for (let i = 0; i < 3; i++) fake.queue({ kind: "error", code: "SIGNER_UNAVAILABLE" });
    const controller = new AbortController();
    const pending = client.signSessionTransaction(sampleRequest(), { signal: controller.signal });
    for (let i = 0; i < 400 && fake.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const reason = new Error("enough");
    controller.abort(reason);
    expect(await rejectionOf(pending)).toBe(reason);
  });
});

describe("never retried (the request may have been signed)", () => {
  it("a timeout after the request was sent: TIMEOUT, one request", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake, { timeoutMs: 300 }));
    fake.queue({ kind: "delay", ms: 30_000 });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toMatchObject({ code: "TIMEOUT" });
    expect(fake.requests).toHaveLength(1);
  });

  it("the socket closed after the body was sent: NETWORK, one request", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake));
    fake.queue({ kind: "close-socket" });
    const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
    expect(err).toMatchObject({ code: "NETWORK" });
    expect(fake.requests).toHaveLength(1);
  });

  const refusals: ErrorCode[] = ["INVALID_PAYLOAD", "AUTH_INVALID_SIGNATURE", "AUTH_REPLAYED_NONCE", "POLICY_DENIED", "RATE_LIMITED", "INTERNAL_ERROR"];
  for (const code of refusals) {
    it(`${code}: one request`, async () => {
      const fake = await startFake();
      const client = track(clientFor(fake));
      fake.queue({ kind: "error", code });
      await rejectionOf(client.signSessionTransaction(sampleRequest()));
      expect(fake.requests).toHaveLength(1);
    });
  }

  it("an invalid response: one request", async () => {
    const fake = await startFake();
    const client = track(clientFor(fake));
    fake.queue({ kind: "sign-other-hash" });
    expect(await rejectionOf(client.signSessionTransaction(sampleRequest()))).toMatchObject({ code: "INVALID_RESPONSE" });
    expect(fake.requests).toHaveLength(1);
  });
});

describe("classification of transport errors", () => {
  const coded = (code: string) => Object.assign(new Error(code), { code });

  it("connect-phase failures are retryable NETWORK errors", () => {
    for (const code of ["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]) {
      expect(classifyTransportError(coded(code), undefined)).toMatchObject({ retryable: true, error: { code: "NETWORK" } });
    }
    // Happy-eyeballs style: every address refused.
    const aggregate = new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")]);
    expect(classifyTransportError(aggregate, undefined).retryable).toBe(true);
  });

  it("anything that may follow sending is not retryable", () => {
    for (const code of ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_ABORTED", "SOMETHING_ELSE"]) {
      expect(classifyTransportError(coded(code), undefined)).toMatchObject({ retryable: false, error: { code: "NETWORK" } });
    }
    for (const code of ["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]) {
      expect(classifyTransportError(coded(code), undefined)).toMatchObject({ retryable: false, error: { code: "TIMEOUT" } });
    }
    // A refused address next to a reset one: not provably unsent.
    expect(classifyTransportError(new AggregateError([coded("ECONNREFUSED"), coded("ECONNRESET")]), undefined).retryable).toBe(false);
    // The attempt deadline wins over any code.
    expect(classifyTransportError(coded("ECONNREFUSED"), 1000)).toMatchObject({ retryable: false, error: { code: "TIMEOUT" } });
    expect(classifyTransportError(new Error("no code"), undefined).retryable).toBe(false);
  });

  it("a closed pool is CONFIG", () => {
    expect(classifyTransportError(coded("UND_ERR_CLOSED"), undefined)).toMatchObject({ retryable: false, error: { code: "CONFIG" } });
  });
});

describe("backoff", () => {
  it("full jitter below min(max, base·2^n)", () => {
    expect(backoffDelayMs(0, 100, 2000, () => 0)).toBe(0);
    expect(backoffDelayMs(0, 100, 2000, () => 0.999999)).toBe(99);
    expect(backoffDelayMs(3, 100, 2000, () => 0.5)).toBe(400);
    expect(backoffDelayMs(10, 100, 2000, () => 0.999999)).toBe(1999);
    expect(backoffDelayMs(1000, 100, 2000, () => 0.5)).toBe(1000);
  });
});
