import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AirlockClient, type AirlockClientOptions } from "@airlock/core";
import { FakeSidecar, type Behaviour } from "./fake-sidecar.js";
import { rejectionOf, sampleRequest } from "./helpers.js";

const SECRET = "redaction-canary-7f3a9c1e5b2d4086";

let fake: FakeSidecar;
let client: AirlockClient;

function makeClient(extra: Partial<AirlockClientOptions> = {}): AirlockClient {
  return new AirlockClient({ baseUrl: fake.url, hmacSecret: SECRET, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 }, ...extra });
}

/** Every way the error or client can be rendered, none of which may hold the secret. */
function renderings(value: unknown): string[] {
  const out = [
    String(value),
    JSON.stringify(value) ?? "",
    inspect(value, { depth: 12, showHidden: true, getters: true }),
    inspect(value, { depth: 12, customInspect: false, showHidden: true }),
  ];
  if (value instanceof Error) out.push(value.message, value.stack ?? "");
  return out;
}

function expectNoSecret(value: unknown): void {
  for (const text of renderings(value)) expect(text).not.toContain(SECRET);
}

beforeEach(async () => {
  fake = await new FakeSidecar({ clients: { default: SECRET } }).start();
  client = makeClient();
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

describe("the HMAC secret never leaks", () => {
  it("not through the client object", () => {
    expectNoSecret(client);
    expect(JSON.stringify(client)).toContain('"hmacSecret":"[redacted]"');
    expect(inspect(client)).toContain("[redacted]");
  });

  const behaviours: [string, Behaviour][] = [
    ["an auth refusal", { kind: "error", code: "AUTH_INVALID_SIGNATURE" }],
    ["a policy denial", { kind: "error", code: "POLICY_DENIED", ruleId: "r", message: "denied" }],
    ["a rate limit", { kind: "error", code: "RATE_LIMITED", retryAfterMs: 5 }],
    ["an HTML 500", { kind: "html", status: 500 }],
    ["malformed JSON", { kind: "malformed-json" }],
    ["a hostile signature", { kind: "sign-other-hash" }],
    ["a closed socket", { kind: "close-socket" }],
    ["a sidecar that echoes the secret", { kind: "legacy", status: 500, error: `failed with key ${SECRET}` }],
    ["a sidecar that echoes it in a policy reason", { kind: "error", code: "POLICY_DENIED", message: `bad ${SECRET} here` }],
  ];
  for (const [name, behaviour] of behaviours) {
    it(`not through ${name}`, async () => {
      fake.queue(behaviour);
      const err = await rejectionOf(client.signSessionTransaction(sampleRequest()));
      expectNoSecret(err);
    });
  }

  it("not through a timeout", async () => {
    await client.close();
    client = makeClient({ timeoutMs: 200 });
    fake.queue({ kind: "delay", ms: 30_000 });
    expectNoSecret(await rejectionOf(client.signSessionTransaction(sampleRequest())));
  });

  it("not through a refused connection", async () => {
    await fake.close();
    expectNoSecret(await rejectionOf(client.signSessionTransaction(sampleRequest())));
  });

  it("not through local validation errors", async () => {
    const bad = { ...sampleRequest(), context: { reason: SECRET.repeat(40) } };
    const err = await rejectionOf(client.signSessionTransaction(bad));
    expect(err).toMatchObject({ code: "BAD_REQUEST" });
    expectNoSecret(err);
  });

  it("not through option errors", () => {
    for (const options of [
      { baseUrl: "nope", hmacSecret: SECRET },
      { baseUrl: fake.url, hmacSecret: SECRET, timeoutMs: -1 },
      { baseUrl: `http://u:${SECRET}@127.0.0.1`, hmacSecret: SECRET },
      { baseUrl: fake.url, hmacSecret: SECRET.slice(0, 10) },
    ]) {
      let thrown: unknown;
      try {
        new AirlockClient(options);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code: "CONFIG" });
      expectNoSecret(thrown);
      expect(String(thrown)).not.toContain(SECRET.slice(0, 10));
    }
  });
});
