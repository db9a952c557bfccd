import { feltHex } from "../starknet/felt.js";
import { sessionRequestHashes } from "../starknet/session-request.js";
import { verifyWithStarkKey } from "../starknet/stark-ecdsa.js";
import { SessionTransactionResponse, type SessionTransactionRequest } from "../wire/session-schemas.js";
import { InvalidResponseError, type InvalidResponseReason } from "./errors.js";

/** Slot of the sidecar's default key (a request without keyId); no Identifier can collide with it. */
const SERVER_DEFAULT_KEY = "\u0000default";

/**
 * The session public key each key id must sign with: configured pins, and the first key a
 * verified response showed (trust on first use, per client instance). A key only gets
 * remembered after its response passed every check.
 */
export class SessionKeyRegistry {
  readonly #pins: ReadonlyMap<string, bigint>;
  readonly #seen = new Map<string, bigint>();

  constructor(pins: ReadonlyMap<string, bigint>) {
    this.#pins = pins;
  }

  /** The pinned key of `keyId` (undefined: the sidecar's default key, which has no name here). */
  pinned(keyId: string | undefined): bigint | undefined {
    return keyId === undefined ? undefined : this.#pins.get(keyId);
  }

  /** The key first seen for `keyId` in a verified response. */
  seen(keyId: string | undefined): bigint | undefined {
    return this.#seen.get(keyId ?? SERVER_DEFAULT_KEY);
  }

  /** The key `keyId` signs with, as far as this client knows: its pin, else the one first seen. */
  known(keyId: string | undefined): bigint | undefined {
    return this.pinned(keyId) ?? this.seen(keyId);
  }

  remember(keyId: string | undefined, key: bigint): void {
    const slot = keyId ?? SERVER_DEFAULT_KEY;
    if (!this.#seen.has(slot)) this.#seen.set(slot, key);
  }
}

export interface ResponseContext {
  status: number;
  requestId?: string | undefined;
}

/**
 * Checks a signing response against the request the client itself sent, so a faulty or hostile
 * signer cannot hand back a signature over anything else: the schema (four felts), the envelope
 * `[sessionPublicKey, r, s, validUntil]`, both hashes recomputed from the request, the session
 * key against the pin or the key first seen, and the low-S ECDSA signature itself. Throws
 * InvalidResponseError with the failing check as `reason`.
 */
export function verifySessionResponse(
  request: SessionTransactionRequest,
  body: unknown,
  keys: SessionKeyRegistry,
  ctx: ResponseContext,
): SessionTransactionResponse {
  const parsed = SessionTransactionResponse.safeParse(body);
  if (!parsed.success) fail("schema", "not a session signature response", ctx);
  const res = parsed.data;
  const requestId = res.requestId;
  const where = { ...ctx, requestId };

  const publicKey = BigInt(res.sessionPublicKey);
  const [sigKey, sigR, sigS, sigValidUntil] = res.signature;
  if (BigInt(sigKey) !== publicKey) fail("public_key_mismatch", "signature[0] is not sessionPublicKey", where);
  if (sigValidUntil !== feltHex(BigInt(request.validUntil))) {
    fail("valid_until_mismatch", "signature[3] is not the requested validUntil", where);
  }

  const expected = sessionRequestHashes(request);
  if (BigInt(res.domainHash) !== expected.domainHash) fail("domain_hash_mismatch", "domainHash differs from the request's", where);
  if (BigInt(res.messageHash) !== expected.messageHash) fail("message_hash_mismatch", "messageHash differs from the request's", where);

  const pinned = keys.pinned(request.keyId);
  if (pinned !== undefined && pinned !== publicKey) fail("pinned_key_mismatch", `session key of keyId ${request.keyId} is not the pinned one`, where);
  const seen = keys.seen(request.keyId);
  if (seen !== undefined && seen !== publicKey) fail("session_key_changed", "session key differs from the one this client saw before", where);

  if (!verifyWithStarkKey(expected.messageHash, publicKey, { r: BigInt(sigR), s: BigInt(sigS) })) {
    fail("bad_signature", "signature does not verify for the request's message hash (low-S required)", where);
  }
  keys.remember(request.keyId, publicKey);
  return res;
}

function fail(reason: InvalidResponseReason, message: string, ctx: ResponseContext): never {
  throw new InvalidResponseError(reason, message, { status: ctx.status, requestId: ctx.requestId });
}
