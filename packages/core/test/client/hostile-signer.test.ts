import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InvalidResponseError, type AirlockClient, type InvalidResponseReason } from "@airlock/core";
import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { FakeSidecar, OTHER_PRIVATE_KEY, TEST_PRIVATE_KEY, type Behaviour } from "./fake-sidecar.js";
import { clientFor, rejectionOf, sampleRequest } from "./helpers.js";

let fake: FakeSidecar;
let client: AirlockClient;

beforeEach(async () => {
  fake = await new FakeSidecar().start();
  client = clientFor(fake);
});

afterEach(async () => {
  await client.close();
  await fake.close();
});

async function expectInvalid(reason: InvalidResponseReason, c: AirlockClient = client): Promise<void> {
  const err = await rejectionOf(c.signSessionTransaction(sampleRequest()));
  expect(err).toBeInstanceOf(InvalidResponseError);
  expect(err).toMatchObject({ code: "INVALID_RESPONSE", reason });
}

describe("every hostile or faulty signer answer is INVALID_RESPONSE", () => {
  const cases: [string, Behaviour, InvalidResponseReason][] = [
    ["a signature over a different hash", { kind: "sign-other-hash" }, "bad_signature"],
    ["a consistent signature over another message", { kind: "sign-other-message" }, "message_hash_mismatch"],
    ["another domain hash", { kind: "report-other-domain" }, "domain_hash_mismatch"],
    ["a wrong valid_until in the envelope", { kind: "wrong-valid-until" }, "valid_until_mismatch"],
    ["signature[0] that is not sessionPublicKey", { kind: "envelope-key-mismatch" }, "public_key_mismatch"],
    ["a high-S signature", { kind: "high-s" }, "bad_signature"],
    ["malformed JSON", { kind: "malformed-json" }, "malformed_json"],
    ["a body over the size bound", { kind: "oversized" }, "body_too_large"],
    ["an HTML 200", { kind: "raw", status: 200, contentType: "text/html", body: "<html></html>" }, "unexpected_content_type"],
    ["three signature elements", { kind: "tamper", edit: (b) => ({ ...b, signature: (b["signature"] as string[]).slice(0, 3) }) }, "schema"],
    ["five signature elements", { kind: "tamper", edit: (b) => ({ ...b, signature: [...(b["signature"] as string[]), "0x1"] }) }, "schema"],
    ["a padded felt", { kind: "tamper", edit: (b) => ({ ...b, messageHash: `0x0${(b["messageHash"] as string).slice(2)}` }) }, "schema"],
    ["an uppercase felt", { kind: "tamper", edit: (b) => ({ ...b, sessionPublicKey: (b["sessionPublicKey"] as string).toUpperCase().replace("0X", "0x") }) }, "schema"],
    ["another signature mode", { kind: "tamper", edit: (b) => ({ ...b, signatureMode: "v1" }) }, "schema"],
    ["r = 0", { kind: "tamper", edit: (b) => ({ ...b, signature: [(b["signature"] as string[])[0], "0x0", (b["signature"] as string[])[2], (b["signature"] as string[])[3]] }) }, "bad_signature"],
    ["a JSON array", { kind: "raw", status: 200, body: "[]" }, "schema"],
  ];
  for (const [name, behaviour, reason] of cases) {
    it(name, async () => {
      fake.queue(behaviour);
      await expectInvalid(reason);
    });
  }

  it("a public key that is not on the curve", async () => {
    // x = 0x5 has no point on the Stark curve: envelope consistent, verification impossible.
    fake.queue({ kind: "tamper", edit: (b) => ({ ...b, sessionPublicKey: "0x5", signature: ["0x5", ...(b["signature"] as string[]).slice(1)] }) });
    await expectInvalid("bad_signature");
  });

  it("a session key that changes after the first verified response", async () => {
    await client.signSessionTransaction(sampleRequest());
    fake.queue({ kind: "changed-key" });
    await expectInvalid("session_key_changed");
    // The remembered key is still the first one, and honest answers still pass.
    expect(client.sessionPublicKey()).toBe(feltHex(starkKeyOf(TEST_PRIVATE_KEY)));
    await client.signSessionTransaction(sampleRequest());
  });

  it("a key that differs from the configured pin, even on the first call", async () => {
    const pinned = clientFor(fake, { keyId: "default", expectedSessionPublicKeys: { default: feltHex(starkKeyOf(OTHER_PRIVATE_KEY)) } });
    try {
      await expectInvalid("pinned_key_mismatch", pinned);
    } finally {
      await pinned.close();
    }
  });

  it("a matching pin passes", async () => {
    const pinned = clientFor(fake, { keyId: "default", expectedSessionPublicKeys: { default: feltHex(starkKeyOf(TEST_PRIVATE_KEY)) } });
    try {
      const res = await pinned.signSessionTransaction(sampleRequest());
      expect(BigInt(res.sessionPublicKey)).toBe(starkKeyOf(TEST_PRIVATE_KEY));
    } finally {
      await pinned.close();
    }
  });

  it("a rejected first response is not remembered", async () => {
    fake.queue({ kind: "changed-key" }, { kind: "sign-other-hash" });
    // The changed key signs validly: with nothing pinned or seen yet it would pass...
    const first = await client.signSessionTransaction(sampleRequest());
    expect(BigInt(first.sessionPublicKey)).toBe(starkKeyOf(OTHER_PRIVATE_KEY));
    await client.close();
    // ...so a fresh client whose first answer fails must remember nothing.
    client = clientFor(fake);
    await expectInvalid("bad_signature");
    expect(client.sessionPublicKey()).toBeUndefined();
  });
});
