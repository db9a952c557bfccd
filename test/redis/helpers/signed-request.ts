import { createHash, createHmac, randomUUID } from "node:crypto";
import { Agent, request } from "undici";

/** The one HMAC client every sidecar of these tests accepts. */
export const CLIENT_ID = "e2e-agent";
export const HMAC_SECRET = "e2e-hmac-secret-7f3a9c1d5e8b2460";

/** Epoch milliseconds; shared by the sidecars and the request signer of one test. */
export type Clock = () => number;

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
}

/** A request with fixed authentication headers, so it can be sent more than once (replays). */
export interface SignedRequest {
  readonly method: "POST";
  readonly path: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Signs `body` for `path` the way the wire contract says, with a caller-chosen nonce. */
export function signRequest(path: string, body: string, opts: { clock?: Clock; nonce?: string } = {}): SignedRequest {
  const ts = String((opts.clock ?? Date.now)());
  const nonce = opts.nonce ?? randomUUID();
  const bodyHash = createHash("sha256").update(body).digest("hex");
  const signature = createHmac("sha256", HMAC_SECRET).update(`${ts}.${nonce}.POST.${path}.${bodyHash}`).digest("hex");
  return {
    method: "POST",
    path,
    body,
    headers: {
      "content-type": "application/json",
      "x-keyring-client-id": CLIENT_ID,
      "x-keyring-timestamp": ts,
      "x-keyring-nonce": nonce,
      "x-keyring-signature": signature,
    },
  };
}

/** Every request of a test goes through one agent with a hard per-request bound. */
export class HttpDriver {
  private readonly agent = new Agent({ connections: 64, headersTimeout: 10_000, bodyTimeout: 10_000 });

  /** Sends to `baseUrl`; a sidecar that does not answer within 10 s makes this reject. */
  async send(baseUrl: string, req: SignedRequest): Promise<Answer> {
    return this.exchange(baseUrl, req.path, { method: req.method, body: req.body, headers: { ...req.headers } });
  }

  async get(baseUrl: string, path: string): Promise<Answer> {
    return this.exchange(baseUrl, path, { method: "GET" });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async exchange(
    baseUrl: string,
    path: string,
    init: { method: "GET" | "POST"; body?: string; headers?: Record<string, string> },
  ): Promise<Answer> {
    const res = await request(`${baseUrl}${path}`, { ...init, dispatcher: this.agent, signal: AbortSignal.timeout(10_000) });
    const text = await res.body.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new Error(`non-JSON answer (${res.statusCode}) from ${path}: ${text.slice(0, 200)}`);
    }
    return { status: res.statusCode, body, headers: res.headers };
  }
}

export const SIGN_PATH = "/v1/sign/session-transaction";
export const EVALUATE_PATH = "/v1/policy/evaluate";

/** The token the spending limits of these tests apply to, and a recipient. */
export const TOKEN = "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7";
export const RECIPIENT = "0x5a11ce";
/** A contract without spending limits (any entrypoint, nothing charged). */
export const PLAIN_CONTRACT = "0x7e57";

/** A session request body: one call, a transfer of `amount` units of TOKEN by default. */
export function sessionBody(
  clock: Clock,
  opts: { account?: string; nonce?: string; amount?: number; call?: "transfer" | "plain" } = {},
): string {
  const call =
    (opts.call ?? "transfer") === "transfer"
      ? { contractAddress: TOKEN, entrypoint: "transfer", calldata: [RECIPIENT, String(opts.amount ?? 1), "0"] }
      : { contractAddress: PLAIN_CONTRACT, entrypoint: "ping", calldata: [] };
  return JSON.stringify({
    accountAddress: opts.account ?? "0xacc0",
    chainId: "0x534e5f5345504f4c4941",
    // Distinct Starknet nonces keep every message hash distinct.
    nonce: opts.nonce ?? `0x${randomUUID().replaceAll("-", "").slice(0, 30)}`,
    validUntil: Math.floor(clock() / 1000) + 600,
    calls: [call],
  });
}

/** Counts answers by `status code` (or `status ruleId`), for readable count assertions. */
export function tally(answers: readonly Answer[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const a of answers) {
    const tag = a.status === 200 ? "200" : `${a.status} ${String(a.body.ruleId ?? a.body.code)}`;
    out[tag] = (out[tag] ?? 0) + 1;
  }
  return out;
}
