// In-process micro-benchmarks of what one exchange order costs, piece by piece: the schema, the
// trading policy, each venue signer's sign() as the sidecar calls it, what the Hyperliquid
// signature is made of, and the checks on the answer. Bounded loops as in micro.mjs (each row
// warms up for a fifth of BENCH_MICRO_MS, then runs for BENCH_MICRO_MS, default 1000).
// Run alone with `node bench/exchange-micro.mjs` after `npm run build`.
import { pathToFileURL } from "node:url";
import { getBytes, keccak256, SigningKey } from "ethers";
import { ExchangeRequest, SignedExchangeRequest } from "../packages/core/dist/index.js";
import { loadConfig } from "../packages/signer/dist/config/env-config.js";
import { actionHash, orderAction } from "../packages/signer/dist/exchange/venues/hyperliquid-action.js";
import { evaluateExchangePolicy } from "../packages/signer/dist/policy/index.js";
import { createLeakScanner } from "../packages/signer/dist/scan/leak-scanner.js";
import { binanceProblems, hyperliquidProblems } from "./exchange-smoke.mjs";
import {
  BINANCE_ACCOUNT,
  exchangePolicyYaml,
  exchangeSidecarEnv,
  freshExchangeSecrets,
  HYPERLIQUID_ACCOUNT,
  HYPERLIQUID_ASSETS,
  orderBody,
} from "./exchange-workload.mjs";
import { measure } from "./micro.mjs";
import { CLIENT_ID, freshSecrets } from "./workload.mjs";

const POOL = 64;
const pool = (make) => Array.from({ length: POOL }, (_, i) => make(i));
let sink = 0;

/** The answer the route builds around a venue signer's output. */
const answerOf = (account, venue, signed) => ({ requestId: "bench", venue, account, environment: "testnet", ...signed });

/** Rows of [operation, µs per op]. */
export async function runExchangeMicro() {
  const rows = [];
  const add = (name, fn) => rows.push([name, measure(fn)]);
  const ex = freshExchangeSecrets();
  const env = exchangeSidecarEnv({ port: 0, secrets: freshSecrets(), policyFile: "/bench/policy.yaml", auditFile: "/dev/null" }, ex);
  const config = loadConfig(env, { readFile: () => exchangePolicyYaml() });

  const bfBodies = pool(() => orderBody("binance_futures"));
  const hlBodies = pool(() => orderBody("hyperliquid"));
  const bfRequests = bfBodies.map((b) => ExchangeRequest.parse(JSON.parse(b)));
  const hlRequests = hlBodies.map((b) => ExchangeRequest.parse(JSON.parse(b)));
  add("exchange request: JSON.parse + ExchangeRequest schema (limit order)", (i) => (sink ^= ExchangeRequest.safeParse(JSON.parse(bfBodies[i & 63])).success ? 1 : 0));

  // The trading policy on the benchmark's configuration: account, client, venue, entry,
  // operation, symbol, quantity cap and notional cap in exact decimals.
  const first = evaluateExchangePolicy({ clientId: CLIENT_ID, request: bfRequests[0] }, config.exchange);
  if (!first.allowed || first.orderLimits.length !== 2) throw new Error("exchange micro: the policy should allow the order with two order counters");
  add("exchange policy (evaluateExchangePolicy, limit order, both caps)", (i) => (sink ^= evaluateExchangePolicy({ clientId: CLIENT_ID, request: bfRequests[i & 63] }, config.exchange).allowed ? 1 : 0));

  // Binance futures: the configured venue signer, as the route calls it; the first answer is
  // checked with the benchmark's own (independent) HMAC recomputation.
  const binance = config.exchange.accounts.get(BINANCE_ACCOUNT).signer;
  const now = Date.now();
  const bfSigned = binance.sign(bfRequests[0].operation, now);
  const bfProblems = binanceProblems(answerOf(BINANCE_ACCOUNT, "binance_futures", bfSigned), JSON.stringify(bfSigned), bfRequests[0], ex);
  if (bfProblems.length > 0) throw new Error(`exchange micro: Binance signer output: ${bfProblems.join("; ")}`);
  add("Binance futures order: venue signer sign() (query string + HMAC-SHA256)", (i) => (sink ^= binance.sign(bfRequests[i & 63].operation, now + i).url.length));

  // Hyperliquid: the signer, then what its signature is made of.
  const hyperliquid = config.exchange.accounts.get(HYPERLIQUID_ACCOUNT).signer;
  const hlSigned = hyperliquid.sign(hlRequests[0].operation, Date.now());
  const hlProblems = hyperliquidProblems(answerOf(HYPERLIQUID_ACCOUNT, "hyperliquid", hlSigned), JSON.stringify(hlSigned), hlRequests[0], ex, HYPERLIQUID_ASSETS);
  if (hlProblems.length > 0) throw new Error(`exchange micro: Hyperliquid signer output: ${hlProblems.join("; ")}`);
  add("Hyperliquid order: venue signer sign() (msgpack, keccak, EIP-712, secp256k1)", (i) => (sink ^= hyperliquid.sign(hlRequests[i & 63].operation, now).body.length));
  const actions = hlRequests.map((r) => orderAction(r.operation, HYPERLIQUID_ASSETS.BTC));
  add("  of which: Hyperliquid action hash (msgpack + keccak256)", (i) => (sink ^= actionHash({ action: actions[i & 63], nonce: now + i, expiresAfter: now + 5_000 }).msgpack.length));
  const key = new SigningKey(ex.hlPrivateKey);
  const digests = pool((i) => getBytes(keccak256(new Uint8Array([i, 1, 2, 3]))));
  add("  of which: secp256k1 sign, raw (ethers SigningKey.sign, RFC 6979)", (i) => (sink ^= key.sign(digests[i & 63]).v));

  // What the route does with every answer: the contract's bounds, then the outbound leak scan
  // (the inbound scan of the order body costs about the same as the session body's).
  const scanner = createLeakScanner({ secrets: config.signer.secretsForScanner });
  const bfAnswers = bfRequests.map((r, i) => answerOf(BINANCE_ACCOUNT, "binance_futures", binance.sign(r.operation, now + i)));
  const hlAnswers = hlRequests.map((r) => answerOf(HYPERLIQUID_ACCOUNT, "hyperliquid", hyperliquid.sign(r.operation, Date.now())));
  const decodedBodies = bfBodies.map((b) => JSON.parse(b));
  for (const value of [decodedBodies[0], bfAnswers[0], hlAnswers[0]]) {
    if (scanner.scanValue(value).length !== 0) throw new Error("exchange micro: the leak scanner flags a benchmark order or answer");
  }
  add("SignedExchangeRequest schema check of the answer (Binance)", (i) => (sink ^= SignedExchangeRequest.safeParse(bfAnswers[i & 63]).success ? 1 : 0));
  add("leak scanner, order body (inbound)", (i) => (sink ^= scanner.scanValue(decodedBodies[i & 63]).length));
  add("leak scanner, signed Binance answer (outbound)", (i) => (sink ^= scanner.scanValue(bfAnswers[i & 63]).length));
  add("leak scanner, signed Hyperliquid answer (outbound)", (i) => (sink ^= scanner.scanValue(hlAnswers[i & 63]).length));
  if (sink === -1) console.log(sink);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { formatMicro } = await import("./format.mjs");
  console.log(formatMicro(await runExchangeMicro()));
}
