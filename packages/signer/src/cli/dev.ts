import { feltHex, starkKeyOf } from "@airlock/core/starknet";
import { utils as starkUtils } from "@scure/starknet";
import { randomBytes } from "node:crypto";
import { loadConfig } from "../config/env-config.js";
import { startSidecar } from "../server/sidecar.js";
import { reportConfigError } from "./serve.js";
import { closeOnSignals } from "./shutdown.js";

const DEV_CLIENT_ID = "dev";
const DEV_KEY_ID = "default";

/**
 * `airlock-signer dev`: the embedded default. Loopback only, memory stores, every check on,
 * a throwaway session key and client secret made at start and printed once (they die with
 * the process). Refuses to run with NODE_ENV=production.
 */
export async function runDev(env: NodeJS.ProcessEnv, opts: { port: string | undefined; json: boolean }): Promise<number> {
  if (env.NODE_ENV === "production") {
    process.stderr.write("airlock-signer: dev mode refuses to run with NODE_ENV=production (use `serve`)\n");
    return 1;
  }
  const privateKey = BigInt(`0x${Buffer.from(starkUtils.randomPrivateKey()).toString("hex")}`);
  const hmacSecret = randomBytes(32).toString("hex");
  const devEnv: Record<string, string> = {
    NODE_ENV: "development",
    HOST: "127.0.0.1",
    PORT: opts.port ?? env.PORT ?? "8545",
    LOG_LEVEL: env.LOG_LEVEL ?? "info",
    KEYRING_AUTH_CLIENTS_JSON: JSON.stringify([{ clientId: DEV_CLIENT_ID, hmacSecret }]),
    KEYRING_DEFAULT_AUTH_CLIENT_ID: DEV_CLIENT_ID,
    KEYRING_SIGNING_KEYS_JSON: JSON.stringify([{ keyId: DEV_KEY_ID, privateKey: feltHex(privateKey) }]),
    KEYRING_DEFAULT_KEY_ID: DEV_KEY_ID,
    KEYRING_REPLAY_STORE: "memory",
    KEYRING_RATE_LIMIT_ENABLED: "true",
    KEYRING_RATE_LIMIT_BACKEND: "memory",
    KEYRING_LEAK_SCANNER_ENABLED: "true",
    KEYRING_LEAK_SCANNER_ACTION: "block",
    ...(env.KEYRING_POLICY_FILE ? { KEYRING_POLICY_FILE: env.KEYRING_POLICY_FILE } : {}),
    ...(env.KEYRING_AUDIT_LOG_FILE ? { KEYRING_AUDIT_LOG_FILE: env.KEYRING_AUDIT_LOG_FILE } : {}),
  };
  let config;
  try {
    config = loadConfig(devEnv);
  } catch (err) {
    return reportConfigError(err);
  }
  const sidecar = await startSidecar(config);
  closeOnSignals(sidecar);
  const client = {
    url: sidecar.url,
    clientId: DEV_CLIENT_ID,
    hmacSecret,
    keyId: DEV_KEY_ID,
    sessionPublicKey: feltHex(starkKeyOf(privateKey)),
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(client)}\n`);
  } else {
    process.stdout.write(
      [
        `Airlock signer (dev mode) listening on ${client.url}`,
        "Client configuration (throwaway: valid for this process only):",
        `  AIRLOCK_URL=${client.url}`,
        `  AIRLOCK_CLIENT_ID=${client.clientId}`,
        `  AIRLOCK_HMAC_SECRET=${client.hmacSecret}`,
        `  AIRLOCK_KEY_ID=${client.keyId}`,
        `  session public key: ${client.sessionPublicKey}`,
        "Press Ctrl-C to stop.",
        "",
      ].join("\n"),
    );
  }
  return 0;
}
