import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AirlockClient, type VenueOriginsOption } from "@airlock/core";
import { newKey, sidecarEnv, startTestSidecar, type TestClient, type TestSidecar } from "./sidecar-harness.js";

/**
 * Setup shared by the exchange end-to-end tests: a live sidecar whose exchange accounts point at
 * local fake venues (KEYRING_EXCHANGE_ACCOUNTS_JSON) under an `exchange:` trading policy
 * (KEYRING_POLICY_FILE, written to a private temporary directory), and an AirlockClient for one
 * agent that may send signed requests to the fakes' loopback origins.
 */

/** Every operation of the wire contract, for policy entries that allow all of them. */
export const ALL_EXCHANGE_OPERATIONS = "[place_order, cancel_order, cancel_all, get_account, get_balances, get_positions, get_open_orders]";

export interface ExchangeSidecarOptions {
  /** The one HMAC client; it is the sidecar's default client. */
  readonly agent: TestClient;
  /** Exchange account entries, as the sidecar reads them (secrets included: throwaway values). */
  readonly accounts: readonly Record<string, unknown>[];
  /** Entries of the policy's `exchange:` list, one YAML flow mapping each. */
  readonly policyEntries: readonly string[];
  /** Extra venue origins the client may send to (the fakes' URLs). */
  readonly venueOrigins: VenueOriginsOption;
}

export interface ExchangeSidecar {
  readonly sc: TestSidecar;
  readonly client: AirlockClient;
  /** Closes the client and the sidecar and removes the policy file (idempotent). */
  close(): Promise<void>;
}

/** Starts the sidecar and its client. Requests from the client are not tracked by the harness. */
export async function startExchangeSidecar(opts: ExchangeSidecarOptions): Promise<ExchangeSidecar> {
  const dir = await mkdtemp(join(tmpdir(), "airlock-exchange-e2e-"));
  let sc: TestSidecar | undefined;
  try {
    const policy = join(dir, "policy.yaml");
    await writeFile(policy, ["version: 1", "exchange:", ...opts.policyEntries.map((e) => `  - ${e}`), ""].join("\n"), { mode: 0o600 });
    sc = await startTestSidecar(
      sidecarEnv({
        clients: [opts.agent],
        keys: [newKey("default")],
        extra: { KEYRING_EXCHANGE_ACCOUNTS_JSON: JSON.stringify(opts.accounts), KEYRING_POLICY_FILE: policy },
      }),
    );
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // The client's requests bypass the harness's bookkeeping (it cannot match them to audit lines).
  sc.untrackedTraffic = true;
  const client = new AirlockClient({ baseUrl: sc.url, clientId: opts.agent.id, hmacSecret: opts.agent.secret, venueOrigins: opts.venueOrigins });
  const started = sc;
  let closed = false;
  return {
    sc: started,
    client,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
        await started.close();
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
