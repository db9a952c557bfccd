// One exchange order signed and checked before any load, with code independent of the sidecar's
// venue signers: a benchmark of a sidecar that signs the wrong bytes (or refuses) measures
// nothing. Binance: the exact URL, the HMAC-SHA256 of the query recomputed here, the API key
// header and nothing else. Hyperliquid: the exact body, the msgpack action hash recomputed with
// @msgpack/msgpack, and an EIP-712 signature that recovers to the account's address.
import { createHmac, timingSafeEqual } from "node:crypto";
import { encode as msgpackEncode } from "@msgpack/msgpack";
import { getBytes, keccak256, toUtf8Bytes, verifyTypedData } from "ethers";
import { SignedExchangeRequest } from "../packages/core/dist/index.js";
import { EXCHANGE_PATH, LIMIT_PRICE, VENUE_BASE_URL } from "./exchange-workload.mjs";
import { post } from "./smoke.mjs";
import { authHeaders } from "./workload.mjs";

/** How far the venue timestamp may be from this process's clock (same machine). */
const CLOCK_SLACK_MS = 5_000;
const RECV_WINDOW_MS = 5_000;

async function signOnce(url, hmacSecret, body) {
  const { status, text } = await post(url, EXCHANGE_PATH, body, authHeaders({ hmacSecret, method: "POST", path: EXCHANGE_PATH, body }));
  if (status !== 200) throw new Error(`exchange smoke request answered ${status}: ${text.slice(0, 500)}`);
  const parsed = SignedExchangeRequest.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`exchange smoke answer is not a SignedExchangeRequest: ${parsed.error.message.slice(0, 500)}`);
  return { answer: parsed.data, text };
}

function sameKeys(obj, expected) {
  return JSON.stringify(Object.keys(obj).sort()) === JSON.stringify([...expected].sort());
}

function commonChecks(answer, text, request, ex, problems) {
  if (answer.venue !== request.venue || answer.account !== request.account) problems.push("venue or account differs from the request");
  if (answer.environment !== "testnet") problems.push(`environment is ${answer.environment}, not testnet`);
  for (const secret of [ex.apiSecret, ex.hlPrivateKey, ex.hlPrivateKey.slice(2)]) {
    if (text.toLowerCase().includes(secret.toLowerCase())) problems.push("the answer contains a venue secret");
  }
}

/** Binance USD-M futures: POST /fapi/v1/order, every parameter in the signed query string. */
export async function binanceSmokeCheck(url, hmacSecret, ex, body) {
  const { answer, text } = await signOnce(url, hmacSecret, body);
  const problems = binanceProblems(answer, text, JSON.parse(body), ex);
  if (problems.length > 0) throw new Error(`Binance smoke request: ${problems.join("; ")}`);
}

/** Hyperliquid: POST /exchange with an `order` L1 action signed as the phantom-agent EIP-712 struct. */
export async function hyperliquidSmokeCheck(url, hmacSecret, ex, body, assets) {
  const { answer, text } = await signOnce(url, hmacSecret, body);
  const problems = hyperliquidProblems(answer, text, JSON.parse(body), ex, assets);
  if (problems.length > 0) throw new Error(`Hyperliquid smoke request: ${problems.join("; ")}`);
}

/** What is wrong with a signed Binance futures limit order for `request` (`text`: the answer as sent); [] when nothing. */
export function binanceProblems(answer, text, request, ex) {
  const op = request.operation;
  const problems = [];
  commonChecks(answer, text, request, ex, problems);
  if (answer.method !== "POST") problems.push(`method ${answer.method}, expected POST`);
  if (answer.body !== undefined) problems.push("a body was returned; Binance's signed payload is the query string");
  if (!sameKeys(answer.headers, ["X-MBX-APIKEY"]) || answer.headers["X-MBX-APIKEY"] !== ex.apiKey) problems.push("headers are not exactly X-MBX-APIKEY with our API key");
  const match = /^(.*?)\?(.*)&signature=([0-9a-f]{64})$/.exec(answer.url);
  if (!match) {
    problems.push(`URL does not end in &signature=<64 hex>: ${answer.url.slice(0, 200)}`);
  } else {
    const [, endpoint, query, signature] = match;
    if (endpoint !== `${VENUE_BASE_URL}/fapi/v1/order`) problems.push(`endpoint ${endpoint}, expected ${VENUE_BASE_URL}/fapi/v1/order`);
    const params = [...new URLSearchParams(query)];
    const timestamp = Number(params.find(([k]) => k === "timestamp")?.[1]);
    const expected = [
      ["symbol", op.symbol],
      ["side", op.side.toUpperCase()],
      ["type", "LIMIT"],
      ["quantity", op.quantity],
      ["price", op.price],
      ["timeInForce", op.timeInForce],
      ["newClientOrderId", op.clientOrderId],
      ["timestamp", String(timestamp)],
      ["recvWindow", String(RECV_WINDOW_MS)],
    ];
    if (JSON.stringify(params) !== JSON.stringify(expected)) problems.push(`query parameters differ: ${query}`);
    if (!(Math.abs(timestamp - Date.now()) < CLOCK_SLACK_MS)) problems.push("timestamp is not the current time");
    if (answer.expiresAtMs !== timestamp + RECV_WINDOW_MS) problems.push("expiresAtMs is not timestamp + recvWindow");
    // Binance: signature = hex HMAC-SHA256(secret, totalParams); totalParams is the query (no body).
    const mine = createHmac("sha256", ex.apiSecret).update(query).digest();
    if (!timingSafeEqual(mine, Buffer.from(signature, "hex"))) problems.push("HMAC signature does not match the one recomputed here");
  }
  return problems;
}

/** What is wrong with a signed Hyperliquid limit order for `request`; [] when nothing. */
export function hyperliquidProblems(answer, text, request, ex, assets) {
  const op = request.operation;
  const problems = [];
  commonChecks(answer, text, request, ex, problems);
  if (answer.method !== "POST") problems.push(`method ${answer.method}, expected POST`);
  if (answer.url !== `${VENUE_BASE_URL}/exchange`) problems.push(`URL ${answer.url}, expected ${VENUE_BASE_URL}/exchange`);
  if (!sameKeys(answer.headers, ["content-type"]) || answer.headers["content-type"] !== "application/json") problems.push("headers are not exactly content-type: application/json");
  const sent = JSON.parse(answer.body ?? "null");
  // Key order matters: the venue hashes the msgpack of the action in its struct field order.
  const action = {
    type: "order",
    orders: [
      {
        a: assets[op.symbol],
        b: op.side === "buy",
        p: LIMIT_PRICE,
        s: op.quantity.replace(/0+$/, "").replace(/\.$/, ""),
        r: false,
        t: { limit: { tif: "Gtc" } },
        c: keccak256(toUtf8Bytes(op.clientOrderId)).slice(0, 34),
      },
    ],
    grouping: "na",
  };
  if (!sent || JSON.stringify(Object.keys(sent)) !== JSON.stringify(["action", "nonce", "signature", "expiresAfter"])) problems.push("body keys are not action, nonce, signature, expiresAfter");
  else {
    if (JSON.stringify(sent.action) !== JSON.stringify(action)) problems.push(`action differs: ${JSON.stringify(sent.action)}`);
    if (!(Math.abs(sent.nonce - Date.now()) < CLOCK_SLACK_MS)) problems.push("nonce is not near the current time");
    if (sent.expiresAfter !== answer.expiresAtMs || !(Math.abs(sent.expiresAfter - RECV_WINDOW_MS - Date.now()) < CLOCK_SLACK_MS)) problems.push("expiresAfter is not now + recvWindow, or differs from expiresAtMs");
    // connectionId = keccak256(msgpack(action) || nonce u64 BE || 0x00 (no vault) || 0x00 || expiresAfter u64 BE)
    const packed = msgpackEncode(action);
    const data = new Uint8Array(packed.length + 18);
    const view = new DataView(data.buffer);
    data.set(packed, 0);
    view.setBigUint64(packed.length, BigInt(sent.nonce));
    data[packed.length + 8] = 0;
    data[packed.length + 9] = 0;
    view.setBigUint64(packed.length + 10, BigInt(sent.expiresAfter));
    const connectionId = keccak256(data);
    const domain = { name: "Exchange", version: "1", chainId: 1337, verifyingContract: "0x0000000000000000000000000000000000000000" };
    const types = { Agent: [{ name: "source", type: "string" }, { name: "connectionId", type: "bytes32" }] };
    let signer;
    try {
      signer = verifyTypedData(domain, types, { source: "b", connectionId: getBytes(connectionId) }, sent.signature);
    } catch (err) {
      problems.push(`signature does not parse: ${err.message.slice(0, 200)}`);
    }
    if (signer !== undefined && signer !== ex.hlAddress) problems.push("EIP-712 signature does not recover to the account's address");
  }
  return problems;
}
