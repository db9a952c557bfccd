// Sealed envelopes: a known answer recomputed step by step with node:crypto (keys from RFC 7748
// §6.1), round trips, tampering of every field, the document binding, low-order points and the
// size and encoding bounds.
import { createCipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  MAX_PLAINTEXT_BYTES,
  ProvisioningError,
  SEALED_ENVELOPE_DOMAIN,
  documentSha256Of,
  isLowOrderX25519,
  openSealedEnvelope,
  parseSealedEnvelope,
  sealForEnclave,
  type SealedEnvelope,
} from "@airlock/core/provisioning";
import { sealWithEphemeral } from "../../src/provisioning/sealed-envelope.js";

// RFC 7748 §6.1: Alice is the sender's ephemeral key here, Bob the enclave.
const ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
const ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
const BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
const BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
const RFC_SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

const DOCUMENT = Buffer.from("airlock test document");
const DOC_HASH = createHash("sha256").update(DOCUMENT).digest("hex");
const IV = Buffer.from("000102030405060708090a0b", "hex");
const PLAINTEXT = Buffer.from('{"keys":[{"keyId":"default","privateKey":"0x1"}]}');
/** The envelope's ciphertext for the inputs above, pinned so that any change to the scheme shows. */
const PINNED_CIPHERTEXT = "VL7Il0qjWA6PgKaPNgq1qPtOpJT8DWMJ9avNvyK94dRCpa-XyPbmqx682GBPJSbr-DmhM1NZ1i1XfpN_6qGogDY";

function x25519Private(hex: string): KeyObject {
  // Independent of the module: JWK import (the module uses PKCS#8 DER).
  const d = Buffer.from(hex, "hex");
  const pub = createPublicKey(createPrivateKey({ key: Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), d]), format: "der", type: "pkcs8" }));
  const x = pub.export({ format: "jwk" }).x as string;
  return createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: d.toString("base64url"), x }, format: "jwk" });
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(createPublicKey(key).export({ format: "jwk" }).x as string, "base64url");
}

/** An enclave: its raw public key and the shared-secret function the sidecar's identity offers. */
function enclave(privateKey: KeyObject = generateKeyPairSync("x25519").privateKey) {
  return {
    publicKey: new Uint8Array(rawPublic(privateKey)),
    sharedSecret: (peer: Uint8Array) =>
      diffieHellman({ privateKey, publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(peer).toString("base64url") }, format: "jwk" }) }),
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProvisioningError) return err.code;
    throw err;
  }
  return undefined;
}

/** Flips one base64url character to another valid one at `index`, keeping the encoding canonical where possible. */
function flipChar(text: string, index: number): string {
  const c = text[index]!;
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const i = alphabet.indexOf(c);
  // ±1 in the alphabet changes the lowest bit of the sextet; for the last character that bit may be
  // padding, so move by 16 (a high bit) there instead.
  const step = index === text.length - 1 ? 16 : 1;
  return text.slice(0, index) + alphabet[(i + step) % 64] + text.slice(index + 1);
}

describe("sealed envelope: known answer", () => {
  const alice = x25519Private(ALICE_PRIVATE);
  const bob = x25519Private(BOB_PRIVATE);

  it("uses the RFC 7748 keys as published", () => {
    expect(rawPublic(alice).toString("hex")).toBe(ALICE_PUBLIC);
    expect(rawPublic(bob).toString("hex")).toBe(BOB_PUBLIC);
    expect(diffieHellman({ privateKey: alice, publicKey: createPublicKey(bob) }).toString("hex")).toBe(RFC_SHARED);
  });

  it("produces the ciphertext recomputed step by step with node:crypto, and the pinned one", () => {
    const envelope = sealWithEphemeral({ plaintext: PLAINTEXT, enclavePublicKey: Buffer.from(BOB_PUBLIC, "hex"), documentSha256: DOC_HASH }, Buffer.from(ALICE_PRIVATE, "hex"), IV);

    // Independent recomputation.
    const shared = Buffer.from(RFC_SHARED, "hex");
    const domain = Buffer.from(SEALED_ENVELOPE_DOMAIN, "ascii");
    const eph = Buffer.from(ALICE_PUBLIC, "hex");
    const enc = Buffer.from(BOB_PUBLIC, "hex");
    const salt = createHash("sha256").update(DOCUMENT).digest();
    const key = Buffer.from(hkdfSync("sha256", shared, salt, Buffer.concat([domain, eph, enc]), 32));
    const cipher = createCipheriv("aes-256-gcm", key, IV);
    cipher.setAAD(Buffer.concat([domain, salt, eph]));
    const expected = Buffer.concat([cipher.update(PLAINTEXT), cipher.final(), cipher.getAuthTag()]).toString("base64url");

    expect(envelope).toEqual({ v: 1, documentSha256: DOC_HASH, ephemeralPublicKey: eph.toString("base64url"), iv: IV.toString("base64url"), ciphertext: expected });
    expect(envelope.ciphertext).toBe(PINNED_CIPHERTEXT);
    expect(SEALED_ENVELOPE_DOMAIN).toBe("airlock/sealed-provisioning/v1");
  });

  it("accepts the ephemeral key as a KeyObject with the same result", () => {
    const a = sealWithEphemeral({ plaintext: PLAINTEXT, enclavePublicKey: Buffer.from(BOB_PUBLIC, "hex"), documentSha256: DOC_HASH }, alice, IV);
    expect(a.ciphertext).toBe(PINNED_CIPHERTEXT);
  });

  it("opens with the enclave key (Bob)", () => {
    const envelope = { v: 1, documentSha256: DOC_HASH, ephemeralPublicKey: Buffer.from(ALICE_PUBLIC, "hex").toString("base64url"), iv: IV.toString("base64url"), ciphertext: PINNED_CIPHERTEXT };
    const bobEnclave = enclave(bob);
    expect(openSealedEnvelope(envelope, bobEnclave.sharedSecret, bobEnclave.publicKey).equals(PLAINTEXT)).toBe(true);
  });

  it("documentSha256Of is SHA-256 hex of the document", () => {
    expect(documentSha256Of(DOCUMENT)).toBe(DOC_HASH);
  });
});

describe("sealed envelope: round trips and binding", () => {
  const e = enclave();
  const seal = (plaintext: Uint8Array = PLAINTEXT, documentSha256 = DOC_HASH) => sealForEnclave({ plaintext, enclavePublicKey: e.publicKey, documentSha256 });

  it("round-trips, with a fresh ephemeral key and IV every time", () => {
    const a = seal();
    const b = seal();
    expect(openSealedEnvelope(a, e.sharedSecret, e.publicKey).equals(PLAINTEXT)).toBe(true);
    expect(openSealedEnvelope(b, e.sharedSecret, e.publicKey).equals(PLAINTEXT)).toBe(true);
    expect(a.ephemeralPublicKey).not.toBe(b.ephemeralPublicKey);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    // JSON round trip: the envelope is plain data.
    expect(openSealedEnvelope(JSON.parse(JSON.stringify(a)), e.sharedSecret, e.publicKey).equals(PLAINTEXT)).toBe(true);
  });

  it("refuses an envelope relabelled with another document hash", () => {
    const other = createHash("sha256").update("another document").digest("hex");
    const envelope = { ...seal(), documentSha256: other };
    expect(codeOf(() => openSealedEnvelope(envelope, e.sharedSecret, e.publicKey))).toBe("DECRYPT_FAILED");
  });

  it("refuses an envelope sealed to another enclave key", () => {
    const other = enclave();
    expect(codeOf(() => openSealedEnvelope(seal(), other.sharedSecret, other.publicKey))).toBe("DECRYPT_FAILED");
    // The right private key but a wrong public half in the key schedule fails too.
    expect(codeOf(() => openSealedEnvelope(seal(), e.sharedSecret, other.publicKey))).toBe("DECRYPT_FAILED");
  });

  it("refuses any tampered field", () => {
    const good = seal();
    const variants: Record<string, unknown> = {
      v: { ...good, v: 2 },
      documentSha256: { ...good, documentSha256: (good.documentSha256[0] === "0" ? "1" : "0") + good.documentSha256.slice(1) },
      ephemeralPublicKey: { ...good, ephemeralPublicKey: flipChar(good.ephemeralPublicKey, 5) },
      iv: { ...good, iv: flipChar(good.iv, 0) },
      ivLast: { ...good, iv: flipChar(good.iv, good.iv.length - 1) },
      ciphertextFirst: { ...good, ciphertext: flipChar(good.ciphertext, 0) },
      ciphertextMiddle: { ...good, ciphertext: flipChar(good.ciphertext, Math.floor(good.ciphertext.length / 2)) },
      tag: { ...good, ciphertext: flipChar(good.ciphertext, good.ciphertext.length - 3) },
      truncated: { ...good, ciphertext: good.ciphertext.slice(0, -4) },
      extended: { ...good, ciphertext: `${good.ciphertext}AAAA` },
    };
    for (const [name, envelope] of Object.entries(variants)) {
      const code = codeOf(() => openSealedEnvelope(envelope, e.sharedSecret, e.publicKey));
      expect(["DECRYPT_FAILED", "MALFORMED_ENVELOPE", "INVALID_PUBLIC_KEY", "KEY_AGREEMENT_FAILED"], name).toContain(code);
    }
    expect(openSealedEnvelope(good, e.sharedSecret, e.publicKey).equals(PLAINTEXT)).toBe(true);
  });

  it("bounds the plaintext: 1 byte to 64 KiB", () => {
    expect(codeOf(() => seal(new Uint8Array(0)))).toBe("PLAINTEXT_SIZE");
    expect(codeOf(() => seal(new Uint8Array(MAX_PLAINTEXT_BYTES + 1)))).toBe("PLAINTEXT_SIZE");
    const big = new Uint8Array(MAX_PLAINTEXT_BYTES).fill(7);
    const envelope = seal(big);
    expect(openSealedEnvelope(envelope, e.sharedSecret, e.publicKey).equals(Buffer.from(big))).toBe(true);
    expect(openSealedEnvelope(seal(new Uint8Array([1])), e.sharedSecret, e.publicKey).equals(Buffer.from([1]))).toBe(true);
    // A ciphertext one block beyond the bound is refused by the schema, before any crypto.
    expect(codeOf(() => parseSealedEnvelope({ ...envelope, ciphertext: `${envelope.ciphertext}AAAA` }))).toBe("MALFORMED_ENVELOPE");
  });

  it("refuses malformed inputs to seal", () => {
    expect(codeOf(() => seal(PLAINTEXT, DOC_HASH.toUpperCase()))).toBe("MALFORMED_ENVELOPE");
    expect(codeOf(() => seal(PLAINTEXT, "ab"))).toBe("MALFORMED_ENVELOPE");
    expect(codeOf(() => sealForEnclave({ plaintext: PLAINTEXT, enclavePublicKey: new Uint8Array(31), documentSha256: DOC_HASH }))).toBe("INVALID_PUBLIC_KEY");
    expect(codeOf(() => sealWithEphemeral({ plaintext: PLAINTEXT, enclavePublicKey: e.publicKey, documentSha256: DOC_HASH }, generateKeyPairSync("x25519").privateKey, new Uint8Array(16)))).toBe("MALFORMED_ENVELOPE");
    expect(codeOf(() => sealWithEphemeral({ plaintext: PLAINTEXT, enclavePublicKey: e.publicKey, documentSha256: DOC_HASH }, generateKeyPairSync("ed25519").privateKey, IV))).toBe("INVALID_PUBLIC_KEY");
  });
});

describe("sealed envelope: strict parsing", () => {
  const e = enclave();
  const good = sealForEnclave({ plaintext: PLAINTEXT, enclavePublicKey: e.publicKey, documentSha256: DOC_HASH });

  it("refuses extra, missing and mistyped fields", () => {
    const bad: unknown[] = [
      null,
      [],
      "envelope",
      { ...good, extra: 1 },
      { ...good, v: "1" },
      { ...good, documentSha256: DOC_HASH.toUpperCase() },
      { ...good, documentSha256: `${DOC_HASH}00` },
      { ...good, ephemeralPublicKey: good.ephemeralPublicKey.slice(1) },
      { ...good, ephemeralPublicKey: `${good.ephemeralPublicKey.slice(0, -1)}=` },
      { ...good, iv: `${good.iv}A` },
      { ...good, ciphertext: good.ciphertext.replace(/.$/, "+") },
      { ...good, ciphertext: "AAAA" },
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== "iv")),
    ];
    for (const value of bad) expect(codeOf(() => parseSealedEnvelope(value))).toBe("MALFORMED_ENVELOPE");
  });

  it("refuses non-canonical base64url (ignored trailing bits)", () => {
    // 43 characters carry 258 bits for 256: the last character's two low bits must be zero.
    const last = good.ephemeralPublicKey.at(-1)!;
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const sloppy = good.ephemeralPublicKey.slice(0, -1) + alphabet[alphabet.indexOf(last) | 1];
    expect(Buffer.from(sloppy, "base64url").equals(Buffer.from(good.ephemeralPublicKey, "base64url"))).toBe(true);
    expect(codeOf(() => parseSealedEnvelope({ ...good, ephemeralPublicKey: sloppy }))).toBe("MALFORMED_ENVELOPE");
  });
});

describe("sealed envelope: low-order X25519 points", () => {
  const LOW_ORDER = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  ];
  const withHighBit = (hex: string) => {
    const b = Buffer.from(hex, "hex");
    b[31] = b[31]! | 0x80;
    return b.toString("hex");
  };
  const all = [...LOW_ORDER, ...LOW_ORDER.map(withHighBit)];
  const e = enclave();

  it("the listed points really are low order: X25519 with them yields zero (or fails)", () => {
    const { privateKey } = generateKeyPairSync("x25519");
    for (const hex of all) {
      let shared: Buffer | undefined;
      try {
        shared = diffieHellman({ privateKey, publicKey: createPublicKey({ key: { kty: "OKP", crv: "X25519", x: Buffer.from(hex, "hex").toString("base64url") }, format: "jwk" }) });
      } catch {
        shared = undefined;
      }
      if (shared !== undefined) expect(shared.every((b) => b === 0), hex).toBe(true);
      expect(isLowOrderX25519(Buffer.from(hex, "hex")), hex).toBe(true);
    }
    expect(isLowOrderX25519(e.publicKey)).toBe(false);
  });

  it("refuses to seal to a low-order enclave key", () => {
    for (const hex of all) {
      expect(codeOf(() => sealForEnclave({ plaintext: PLAINTEXT, enclavePublicKey: Buffer.from(hex, "hex"), documentSha256: DOC_HASH })), hex).toBe("INVALID_PUBLIC_KEY");
    }
  });

  it("refuses an envelope whose ephemeral key is low order, before any key agreement", () => {
    const good = sealForEnclave({ plaintext: PLAINTEXT, enclavePublicKey: e.publicKey, documentSha256: DOC_HASH });
    let agreements = 0;
    const counting = (peer: Uint8Array) => {
      agreements += 1;
      return e.sharedSecret(peer);
    };
    for (const hex of all) {
      const envelope: SealedEnvelope = { ...good, ephemeralPublicKey: Buffer.from(hex, "hex").toString("base64url") };
      expect(codeOf(() => openSealedEnvelope(envelope, counting, e.publicKey)), hex).toBe("INVALID_PUBLIC_KEY");
    }
    expect(agreements).toBe(0);
  });

  it("refuses a zero, short or failing shared secret", () => {
    const good = sealForEnclave({ plaintext: PLAINTEXT, enclavePublicKey: e.publicKey, documentSha256: DOC_HASH });
    expect(codeOf(() => openSealedEnvelope(good, () => Buffer.alloc(32), e.publicKey))).toBe("KEY_AGREEMENT_FAILED");
    expect(codeOf(() => openSealedEnvelope(good, () => Buffer.alloc(16, 1), e.publicKey))).toBe("KEY_AGREEMENT_FAILED");
    expect(
      codeOf(() =>
        openSealedEnvelope(
          good,
          () => {
            throw new RangeError("low order");
          },
          e.publicKey,
        ),
      ),
    ).toBe("KEY_AGREEMENT_FAILED");
  });
});

describe("sealed envelope: errors say nothing secret", () => {
  it("messages quote no plaintext, key or ciphertext", () => {
    const e = enclave();
    const secret = "0x5ecre75ecre75ecre75ecre75ecre7";
    const envelope = sealForEnclave({ plaintext: Buffer.from(secret), enclavePublicKey: e.publicKey, documentSha256: DOC_HASH });
    const other = enclave();
    const messages: string[] = [];
    for (const attempt of [
      () => openSealedEnvelope(envelope, other.sharedSecret, other.publicKey),
      () => openSealedEnvelope({ ...envelope, ciphertext: flipChar(envelope.ciphertext, 3) }, e.sharedSecret, e.publicKey),
      () => parseSealedEnvelope({ ...envelope, extra: secret }),
    ]) {
      try {
        attempt();
      } catch (err) {
        messages.push(String((err as Error).message), JSON.stringify(err));
      }
    }
    expect(messages).toHaveLength(6);
    for (const m of messages) {
      expect(m).not.toContain(secret);
      expect(m).not.toContain(envelope.ciphertext.slice(0, 16));
      expect(m).not.toContain(envelope.ephemeralPublicKey);
    }
  });
});
