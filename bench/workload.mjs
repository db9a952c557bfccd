// The benchmark workload: a realistic sidecar configuration (every check on) and fresh,
// correctly authenticated 1-call session-signing requests, as an agent would send them.
import { createHash, createHmac, randomBytes, randomUUID } from "node:crypto";
import { utils as starkUtils } from "@scure/starknet";

export const SIGN_PATH = "/v1/sign/session-transaction";
export const SN_SEPOLIA = "0x534e5f5345504f4c4941";
export const STRK = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
export const ETH = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
export const ACCOUNT = "0x0736a1c0d4bd2a6e5fd0c8a1e0b1f5b0c9b2f1a8e7d6c5b4a3928170f6e5d4c3";
export const RECIPIENT = "0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde";
export const CLIENT_ID = "bench-agent";
export const KEY_ID = "agent-key";

/**
 * Window of the STRK budget. Each signed transfer adds one record to the budget, and a budget
 * holds at most 10,000 records per window (DEFAULT_MAX_RECORDS_PER_KEY: past that it refuses,
 * as if over budget). One key signing 1,000+ transfers a second would hit that cap within a
 * day-long window in seconds, so the window is short enough to stay under it at any rate this
 * machine reaches; every request still goes through the budget check and reservation.
 */
export const BUDGET_WINDOW_SECONDS = 2;

/** A throwaway Stark key and HMAC secret for one run. */
export function freshSecrets() {
  return {
    privateKey: `0x${Buffer.from(starkUtils.randomPrivateKey()).toString("hex")}`,
    hmacSecret: randomBytes(32).toString("hex"),
  };
}

/**
 * The policy a cautious operator would write for one agent: key, account, contract, entrypoint
 * and chain allowlists, a short validity window, an extra denylist, and a STRK spending limit
 * (per-call cap, recipient allowlist, rolling budget) that every benchmark request is judged
 * and charged against: in Redis mode that is one more round trip per request.
 */
export function policyYaml() {
  return `version: 1
defaults:
  maxValidityWindowSec: 3600
  allowedChainIds: ["${SN_SEPOLIA}"]
  deniedEntrypoints: [multicall_admin, set_owner]
clients:
  ${CLIENT_ID}:
    allowedKeyIds: [${KEY_ID}]
    allowedAccounts: ["${ACCOUNT}"]
    allowedContracts: ["${STRK}", "${ETH}"]
    allowedEntrypoints: [transfer, approve]
    allowedChainIds: ["${SN_SEPOLIA}"]
    maxValidityWindowSec: 600
spendingLimits:
  - keyId: "*"
    token: "${STRK}"
    maxPerCall: "1000000000000000000"
    maxPerWindow: "1000000000000000000000000000000"
    windowSeconds: ${BUDGET_WINDOW_SECONDS}
    allowedRecipients: ["${RECIPIENT}"]
  - keyId: "*"
    token: "${ETH}"
    maxPerCall: "10000000000000000"
    allowedRecipients: ["${RECIPIENT}"]
`;
}

/** Environment of `airlock-signer serve` for one scenario; `redisUrl` switches every store to Redis. */
export function sidecarEnv({ port, secrets, policyFile, auditFile, redisUrl }) {
  const env = {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: String(port),
    LOG_LEVEL: "warn",
    KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([
      { clientId: CLIENT_ID, hmacSecret: secrets.hmacSecret, allowedKeyIds: [KEY_ID], allowedAccountAddresses: [ACCOUNT] },
    ]),
    KEYRING_DEFAULT_AUTH_CLIENT_ID: CLIENT_ID,
    KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: KEY_ID, privateKey: secrets.privateKey }]),
    KEYRING_DEFAULT_KEY_ID: KEY_ID,
    KEYRING_RATE_LIMIT_ENABLED: "true",
    // The limit is checked (and counted) on every request, but set high enough never to refuse.
    KEYRING_RATE_LIMIT_MAX_REQUESTS: "1000000",
    KEYRING_RATE_LIMIT_WINDOW_MS: "60000",
    KEYRING_LEAK_SCANNER_ENABLED: "true",
    KEYRING_LEAK_SCANNER_ACTION: "block",
    KEYRING_POLICY_FILE: policyFile,
    KEYRING_AUDIT_LOG_FILE: auditFile,
    KEYRING_METRICS_ENABLED: "true",
    KEYRING_REPLAY_STORE: redisUrl ? "redis" : "memory",
    KEYRING_RATE_LIMIT_BACKEND: redisUrl ? "redis" : "memory",
  };
  if (redisUrl) env.KEYRING_REDIS_URL = redisUrl;
  return env;
}

let counter = 0;

/**
 * A fresh request body: a STRK transfer within the per-call cap to the allowed recipient, a
 * new random outside-execution nonce each time, valid for five minutes, with the agent
 * context an agent framework typically adds.
 */
export function sessionBody({ calls = 1, nowMs = Date.now() } = {}) {
  counter += 1;
  const call = {
    contractAddress: STRK,
    entrypoint: "transfer",
    calldata: [RECIPIENT, `0x${(1_000_000_000_000n + BigInt(counter)).toString(16)}`, "0x0"],
  };
  return JSON.stringify({
    accountAddress: ACCOUNT,
    keyId: KEY_ID,
    chainId: SN_SEPOLIA,
    nonce: `0x${randomBytes(16).toString("hex")}`,
    validUntil: Math.floor(nowMs / 1000) + 300,
    calls: Array.from({ length: calls }, () => call),
    context: { requester: "bench-agent", tool: "transfer_strk", reason: "pay invoice 2026-11-23" },
  });
}

/** The authentication headers of the wire contract for one request (packages/core/src/wire/hmac.ts). */
export function authHeaders({ hmacSecret, method, path, body, nowMs = Date.now(), nonce = randomUUID() }) {
  const timestamp = String(nowMs);
  const bodySha = createHash("sha256").update(body).digest("hex");
  const canonical = `${timestamp}.${nonce}.${method.toUpperCase()}.${path}.${bodySha}`;
  return {
    "content-type": "application/json",
    "x-keyring-client-id": CLIENT_ID,
    "x-keyring-timestamp": timestamp,
    "x-keyring-nonce": nonce,
    "x-keyring-signature": createHmac("sha256", hmacSecret).update(canonical).digest("hex"),
  };
}
