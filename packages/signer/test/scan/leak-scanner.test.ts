import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { STARK_ORDER, STARK_PRIME, fullPublicKeyHex, signLowS, starkKeyOf } from "@airlock/core/starknet";
import { createLeakScanner } from "../../src/scan/leak-scanner.js";
import { LEAK_PATTERN_IDS, TEXT_PATTERNS } from "../../src/scan/leak-patterns.js";
import { MIN_SIGNIFICANT_SECRET_CHARS, secretNeedles } from "../../src/scan/secret-spellings.js";

/** Deterministic 256-bit numbers: sha256(label:counter). */
function prng(label: string): () => bigint {
  let i = 0;
  return () => BigInt(`0x${createHash("sha256").update(`${label}:${i++}`).digest("hex")}`);
}

const nextKey = prng("keys");
// A private key whose 64-digit spelling starts with zeros, so padded and unpadded spellings differ.
const PRIVATE_KEY = (nextKey() % (STARK_ORDER >> 12n)) | 1n;
const PRIVATE_KEY_PADDED = `0x${PRIVATE_KEY.toString(16).padStart(64, "0")}`;
const SECOND_KEY = nextKey() % STARK_ORDER;
const DECIMAL_SECRET = "918273645546372819283746501928";
const HMAC_SECRET = "hmac-Secret-for-client-a-7f3e9c";
const SECRETS = [PRIVATE_KEY_PADDED, `0x${SECOND_KEY.toString(16)}`, DECIMAL_SECRET, HMAC_SECRET];

const scanner = createLeakScanner({ secrets: SECRETS });

describe("SISNA's patterns", () => {
  const cases: [string, string][] = [
    ["env.starknet_private_key", "set STARKNET_PRIVATE_KEY in the shell"],
    ["env.starknet_private_key", "starknet_private_key"],
    ["env.session_private_key", "SESSION_PRIVATE_KEY=unset"],
    ["env.keyring_hmac_secret", "where is KEYRING_HMAC_SECRET?"],
    ["json.private_key", `{"private_key": "0xabc"}`],
    ["json.private_key", `{"privateKey":"0x1234"}`],
    ["kv.private_key", "privateKey=0xdeadbeef"],
    ["kv.private_key", "private_key: '0x1'"],
    ["pem.private_key", "-----BEGIN PRIVATE KEY-----\nMIIE..."],
    ["pem.private_key", "-----BEGIN EC PRIVATE KEY-----"],
    ["pem.private_key", "-----BEGIN RSA PRIVATE KEY-----"],
    ["pem.private_key", "-----BEGIN ENCRYPTED PRIVATE KEY-----"],
  ];
  it.each(cases)("%s matches %j, and only it", (id, text) => {
    expect(scanner.scanValue(text)).toEqual([id]);
    expect(scanner.scanValue({ context: { reason: text } })).toEqual([id]);
  });

  it("tests object keys as well as values", () => {
    expect(scanner.scanValue({ STARKNET_PRIVATE_KEY: "x" })).toEqual(["env.starknet_private_key"]);
    expect(scanner.scanValue({ "-----BEGIN PRIVATE KEY-----": "x" })).toEqual(["pem.private_key"]);
  });

  it("keeps SISNA's word boundaries (a longer variable name is not the variable)", () => {
    expect(scanner.scanValue("MY_STARKNET_PRIVATE_KEY_BACKUP")).toEqual([]);
    expect(scanner.scanValue("privateKey=0xZZ")).toEqual([]);
    expect(scanner.scanValue("-----BEGIN PUBLIC KEY-----")).toEqual([]);
  });

  it("reports ids deduplicated and in a fixed order, whatever order they were found in", () => {
    const value = ["-----BEGIN PRIVATE KEY-----", "STARKNET_PRIVATE_KEY", "-----BEGIN EC PRIVATE KEY-----", { x: HMAC_SECRET }];
    expect(scanner.scanValue(value)).toEqual(["env.starknet_private_key", "pem.private_key", "secret.configured"]);
    expect(scanner.scanValue([...value].reverse())).toEqual(["env.starknet_private_key", "pem.private_key", "secret.configured"]);
  });
});

describe("decoded JSON (SISNA's escaped-quotes miss)", () => {
  const raw = JSON.stringify({ context: { reason: '{"privateKey":"0x1234"}' } });

  it("the raw body hides the pattern behind escaped quotes", () => {
    const json = TEXT_PATTERNS.find((p) => p.id === "json.private_key")!.re;
    expect(raw).toContain('\\"privateKey\\"');
    expect(json.test(raw)).toBe(false);
  });

  it("the decoded value shows it", () => {
    expect(scanner.scanValue(JSON.parse(raw))).toEqual(["json.private_key"]);
  });

  it("a JSON document escaped twice is caught too", () => {
    const twice = JSON.stringify({ reason: JSON.stringify(JSON.stringify({ privateKey: "0x1234" })) });
    expect(scanner.scanValue(JSON.parse(twice))).toEqual(["json.private_key"]);
  });

  it("a secret-named key holding a number counts as json.private_key", () => {
    for (const value of [{ privateKey: "0x1234" }, { private_key: "0xabc" }, { "PRIVATE-KEY": "00112233445566778899" }, { hmacSecret: "0123456789abcdef0123" }, { signingKey: 12345 }, { secret: 7n }]) {
      expect(scanner.scanValue(value), JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).toEqual(["json.private_key"]);
    }
  });

  it("a secret-named key holding words, or a normal key holding a number, is not flagged", () => {
    expect(scanner.scanValue({ secretName: "payments-hmac" })).toEqual([]);
    expect(scanner.scanValue({ privateKey: "redacted" })).toEqual([]);
    expect(scanner.scanValue({ nonce: "0x1234", publicKey: "0x0123456789abcdef0123" })).toEqual([]);
  });
});

describe("configured secrets", () => {
  const hexDigits = PRIVATE_KEY.toString(16);
  const spellings: [string, string][] = [
    ["as given (padded, lowercase, 0x)", PRIVATE_KEY_PADDED],
    ["unpadded with 0x", `0x${hexDigits}`],
    ["unpadded without 0x", hexDigits],
    ["padded without 0x", PRIVATE_KEY_PADDED.slice(2)],
    ["uppercase with 0x", `0x${hexDigits.toUpperCase()}`],
    ["uppercase padded with 0X", `0X${PRIVATE_KEY_PADDED.slice(2).toUpperCase()}`],
    ["mixed case", [...hexDigits].map((c, i) => (i % 2 ? c.toUpperCase() : c)).join("")],
    ["decimal", PRIVATE_KEY.toString(10)],
    ["decimal with leading zeros", `000${PRIVATE_KEY.toString(10)}`],
    ["inside a sentence", `the key is ${hexDigits}, keep it safe`],
    ["second key, decimal", SECOND_KEY.toString(10)],
    ["decimal secret as given", DECIMAL_SECRET],
    ["decimal secret in hex", `0x${BigInt(DECIMAL_SECRET).toString(16)}`],
    ["decimal secret in uppercase hex without 0x", BigInt(DECIMAL_SECRET).toString(16).toUpperCase()],
    ["HMAC secret as given", `Bearer ${HMAC_SECRET}`],
    ["HMAC secret in another case", HMAC_SECRET.toUpperCase()],
  ];

  it.each(spellings)("%s is found in a string value", (_name, text) => {
    expect(scanner.scanValue({ calls: [{ calldata: ["0x1", text] }] })).toEqual(["secret.configured"]);
  });

  it("is found in an object key, a bigint and a safe-integer number", () => {
    expect(scanner.scanValue({ [PRIVATE_KEY.toString(16)]: 1 })).toEqual(["secret.configured"]);
    expect(scanner.scanValue([PRIVATE_KEY])).toEqual(["secret.configured"]);
    const small = createLeakScanner({ secrets: ["1234567890123456"] });
    expect(small.scanValue({ n: 1234567890123456 })).toEqual(["secret.configured"]);
  });

  it("flags an integer too large to hold exactly (a key written as a JSON number loses its digits)", () => {
    const parsed: unknown = JSON.parse(`{"calldata":[${PRIVATE_KEY.toString(10)}]}`);
    expect(scanner.scanValue(parsed)).toEqual(["scan.unsafe_number"]);
    expect(scanner.scanValue({ validUntil: 1_900_000_000, amount: 0.5 })).toEqual([]);
  });

  it("ignores secrets shorter than 16 significant characters, and says how many", () => {
    const s = createLeakScanner({ secrets: ["0x123456789abcdef", "0x0000000000123456789abcde", "changeme", "0x1234567890abcdef"] });
    expect(s.ignoredSecrets).toBe(3);
    expect(s.scanValue(["0x123456789abcdef", "changeme", "123456789abcde"])).toEqual([]);
    expect(s.scanValue("0x1234567890ABCDEF")).toEqual(["secret.configured"]);
    expect(MIN_SIGNIFICANT_SECRET_CHARS).toBe(16);
  });

  it("precomputes lowercase needles, none redundant, and never the public key", () => {
    const { needles } = secretNeedles([PRIVATE_KEY_PADDED]);
    expect(needles).toEqual([PRIVATE_KEY.toString(16), PRIVATE_KEY.toString(10)].sort((a, b) => a.length - b.length));
    const pub = starkKeyOf(PRIVATE_KEY);
    for (const n of needles) {
      expect(pub.toString(16)).not.toContain(n);
      expect(pub.toString(10)).not.toContain(n);
    }
  });

  it("does not flag the key's public key, its full public key or its signatures", () => {
    const pub = starkKeyOf(PRIVATE_KEY);
    const sig = signLowS(0x1234n, PRIVATE_KEY);
    const response = {
      sessionPublicKey: `0x${pub.toString(16)}`,
      signature: [`0x${pub.toString(16)}`, `0x${sig.r.toString(16)}`, `0x${sig.s.toString(16)}`, "0x6553f100"],
      full: fullPublicKeyHex(PRIVATE_KEY),
      decimal: pub.toString(10),
    };
    expect(scanner.scanValue(response)).toEqual([]);
  });

  it("never puts the matched text in the result", () => {
    const result = scanner.scanValue({ a: PRIVATE_KEY_PADDED, b: `{"privateKey":"${PRIVATE_KEY_PADDED}"}`, c: HMAC_SECRET });
    expect(result).toEqual(["json.private_key", "secret.configured"]);
    const text = JSON.stringify(result).toLowerCase();
    expect(text).not.toContain(PRIVATE_KEY.toString(16));
    expect(text).not.toContain(HMAC_SECRET.toLowerCase());
  });
});

describe("normal traffic", () => {
  const nextFelt = prng("felts");
  const felt = () => nextFelt() % STARK_PRIME;
  const hex = () => `0x${felt().toString(16)}`;

  function request(i: number) {
    return {
      accountAddress: hex(),
      keyId: `agent-${i % 7}`,
      chainId: "0x534e5f5345504f4c4941",
      nonce: i % 2 ? hex() : felt().toString(10),
      validUntil: 1_900_000_000 + i,
      caller: "0x414e595f43414c4c4552",
      calls: Array.from({ length: 1 + (i % 4) }, (_v, c) => ({
        contractAddress: hex(),
        entrypoint: c % 2 ? "transfer" : "approve",
        calldata: Array.from({ length: 3 + (i % 20) }, (_w, k) => (k % 3 ? hex() : felt().toString(10))),
      })),
      context: { requester: "trading-agent", tool: "swap", reason: `rebalance portfolio step ${i}; private data stays private` },
    };
  }

  function response(i: number) {
    const key = i % 2 ? PRIVATE_KEY : SECOND_KEY;
    const sig = signLowS(felt(), key);
    const pub = `0x${starkKeyOf(key).toString(16)}`;
    return {
      requestId: `req-${i}`,
      signatureMode: "v2_snip12",
      signatureKind: "Snip12",
      domainHash: hex(),
      messageHash: hex(),
      signerProvider: "local",
      sessionPublicKey: pub,
      signature: [pub, `0x${sig.r.toString(16)}`, `0x${sig.s.toString(16)}`, `0x${(1_900_000_000 + i).toString(16)}`],
    };
  }

  it("flags none of 300 request bodies and 300 signature responses full of random felts", () => {
    let strings = 0;
    for (let i = 0; i < 300; i++) {
      const body: unknown = JSON.parse(JSON.stringify(request(i)));
      strings += JSON.stringify(body).split('"').length;
      expect(scanner.scanValue(body)).toEqual([]);
      expect(scanner.scanValue(response(i))).toEqual([]);
    }
    expect(strings).toBeGreaterThan(10_000);
  });
});

describe("bounds", () => {
  function nested(levels: number, leaf: unknown): unknown {
    let v = leaf;
    for (let i = 0; i < levels; i++) v = i % 2 ? [v] : { k: v };
    return v;
  }

  it("looks into 32 levels of nesting and reports scan.too_deep past them", () => {
    expect(scanner.scanValue(nested(32, "x"))).toEqual([]);
    expect(scanner.scanValue(nested(32, "STARKNET_PRIVATE_KEY"))).toEqual(["env.starknet_private_key"]);
    expect(scanner.scanValue(nested(33, "x"))).toEqual(["scan.too_deep"]);
    expect(scanner.scanValue(nested(500, HMAC_SECRET))).toEqual(["scan.too_deep"]);
  });

  it("still reports what it found before the bound", () => {
    expect(scanner.scanValue([HMAC_SECRET, nested(40, "x")])).toEqual(["secret.configured", "scan.too_deep"]);
  });

  it("terminates on a cyclic value", () => {
    const a: unknown[] = [];
    a.push(a);
    expect(scanner.scanValue(a)).toEqual(["scan.too_deep"]);
  });

  it("reports scan.too_large for a huge string, after testing what fits", () => {
    expect(scanner.scanValue("a".repeat(2_000_000))).toEqual(["scan.too_large"]);
    expect(scanner.scanValue(`-----BEGIN PRIVATE KEY-----${"a".repeat(2_000_000)}`)).toEqual(["pem.private_key", "scan.too_large"]);
    expect(scanner.scanValue(`${"a".repeat(2_000_000)}-----BEGIN PRIVATE KEY-----`)).toEqual(["scan.too_large"]);
  });

  it("counts keys and values against the character and node budgets", () => {
    const small = createLeakScanner({ secrets: [], maxChars: 100, maxNodes: 50 });
    expect(small.scanValue("x".repeat(100))).toEqual([]);
    expect(small.scanValue({ ["k".repeat(60)]: "v".repeat(41) })).toEqual(["scan.too_large"]);
    expect(small.scanValue(Array.from({ length: 49 }, () => 0))).toEqual([]);
    expect(small.scanValue(Array.from({ length: 50 }, () => 0))).toEqual(["scan.too_large"]);
    expect(scanner.scanValue(new Array(300_000).fill(0))).toEqual(["scan.too_large"]);
  });

  it("rejects bounds that are not positive integers", () => {
    expect(() => createLeakScanner({ secrets: [], maxDepth: 0 })).toThrow(RangeError);
    expect(() => createLeakScanner({ secrets: [], maxChars: 1.5 })).toThrow(RangeError);
  });

  it("reports only known ids", () => {
    const all = scanner.scanValue([
      "STARKNET_PRIVATE_KEY SESSION_PRIVATE_KEY KEYRING_HMAC_SECRET privateKey=0x1 -----BEGIN PRIVATE KEY-----",
      { privateKey: "0x1" },
      HMAC_SECRET,
      2 ** 60,
      nested(40, 1),
    ]);
    expect(all).toEqual(LEAK_PATTERN_IDS.filter((id) => id !== "scan.too_large"));
  });
});
