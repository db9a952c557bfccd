import {
  typedData as starknetTypedData,
  type Call,
  type DeclareSignerDetails,
  type DeployAccountSignerDetails,
  type InvocationsSignerDetails,
  type Signature,
  type SignerInterface,
  type TypedData,
} from "starknet";
import type { AirlockClient, CallOptions } from "../client/airlock-client.js";
import { BadRequestError, ConfigError, InvalidResponseError } from "../client/errors.js";
import { Identifier, MAX_CALLS, type SessionTransactionRequest } from "../wire/session-schemas.js";
import { DEC_FELT_PATTERN, feltHex, HEX_FELT_PATTERN, parseFelt } from "./felt.js";
import { selectorOf } from "./session-hash.js";
import { sessionRequestHashes } from "./session-request.js";
import { encodeShortString } from "./short-string.js";

/**
 * A starknet.js signer whose key lives behind an Airlock sidecar. It signs SNIP-9 v2 outside
 * executions only (what a session key may sign); every other signing method rejects.
 *
 * ```ts
 * const signer = new AirlockStarknetSigner(client, { keyId: "default" });
 * const account = new Account(provider, accountAddress, signer);
 * const tx = await account.getOutsideTransaction(options, calls, "2", nonce);
 * ```
 */
export class AirlockStarknetSigner implements SignerInterface {
  readonly #client: AirlockClient;
  readonly #keyId: string | undefined;
  readonly #context: SessionTransactionRequest["context"];
  readonly #callOptions: CallOptions;

  /**
   * @param client the sidecar client (its keyId is the default here)
   * @param options.keyId session key to sign with (default: the client's keyId, else the sidecar's default)
   * @param options.context requester/tool/reason sent with every request, for the audit log
   * @param options.callOptions per-call options (signal, traceparent, timeoutMs) for every request
   */
  constructor(
    client: AirlockClient,
    options: { keyId?: string; context?: SessionTransactionRequest["context"]; callOptions?: CallOptions } = {},
  ) {
    if (options.keyId !== undefined && !Identifier.safeParse(options.keyId).success) {
      throw new ConfigError("keyId must be 1-64 of [A-Za-z0-9._:@-]", "keyId");
    }
    this.#client = client;
    this.#keyId = options.keyId ?? client.keyId;
    this.#context = options.context;
    this.#callOptions = options.callOptions ?? {};
  }

  /**
   * The session public key (Stark key, 0x hex): the pin configured on the client, else the key
   * of a previous verified signature. The sidecar has no key endpoint, so before either exists
   * this rejects with CONFIG.
   */
  async getPubKey(): Promise<string> {
    const key = this.#client.sessionPublicKey(this.#keyId);
    if (key === undefined) {
      throw new ConfigError(
        `session public key of keyId ${this.#keyId ?? "(sidecar default)"} is unknown: sign once or set expectedSessionPublicKeys on the client`,
        "expectedSessionPublicKeys",
      );
    }
    return key;
  }

  /**
   * Signs SNIP-9 v2 outside-execution typed data through the sidecar and returns the session
   * signature `[sessionPublicKey, r, s, validUntil]`. Any other typed data is refused before
   * a request is sent, and so is typed data whose starknet.js hash differs from the hash of the
   * session request it maps to (so the signature is always for exactly what was given).
   */
  async signMessage(typedData: TypedData, accountAddress: string): Promise<Signature> {
    const request = toSessionRequest(typedData, accountAddress, this.#keyId, this.#context);
    const ours = sessionRequestHashes(request).messageHash;
    let theirs: bigint;
    try {
      theirs = BigInt(starknetTypedData.getMessageHash(typedData, accountAddress));
    } catch (cause) {
      throw new BadRequestError("starknet.js cannot hash this typed data", {}, { cause });
    }
    if (theirs !== ours) throw new BadRequestError("typed data does not hash like the session request it maps to");
    const response = await this.#client.signSessionTransaction(request, this.#callOptions);
    // The client verified the signature against `ours`; equal to `theirs`, checked above.
    if (BigInt(response.messageHash) !== theirs) {
      throw new InvalidResponseError("message_hash_mismatch", "messageHash differs from the typed data's", { requestId: response.requestId });
    }
    return [...response.signature];
  }

  /** Refused: a session key signs outside executions only. */
  async signTransaction(_transactions: Call[], _details: InvocationsSignerDetails): Promise<Signature> {
    throw unsupported("invoke transactions");
  }

  /** Refused: a session key signs outside executions only. */
  async signDeployAccountTransaction(_transaction: DeployAccountSignerDetails): Promise<Signature> {
    throw unsupported("deploy-account transactions");
  }

  /** Refused: a session key signs outside executions only. */
  async signDeclareTransaction(_transaction: DeclareSignerDetails): Promise<Signature> {
    throw unsupported("declare transactions");
  }
}

function unsupported(what: string): ConfigError {
  return new ConfigError(
    `AirlockStarknetSigner does not sign ${what}: a session signer only signs SNIP-9 v2 outside executions (signMessage with OutsideExecution typed data)`,
  );
}

const DOMAIN_NAME = "Account.execute_from_outside";
/** starknet.js OutsideExecutionTypesV2, field for field. */
const V2_TYPES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  StarknetDomain: [
    ["name", "shortstring"],
    ["version", "shortstring"],
    ["chainId", "shortstring"],
    ["revision", "shortstring"],
  ],
  OutsideExecution: [
    ["Caller", "ContractAddress"],
    ["Nonce", "felt"],
    ["Execute After", "u128"],
    ["Execute Before", "u128"],
    ["Calls", "Call*"],
  ],
  Call: [
    ["To", "ContractAddress"],
    ["Selector", "selector"],
    ["Calldata", "felt*"],
  ],
};

/**
 * Maps SNIP-9 v2 outside-execution typed data onto the session request the sidecar signs:
 * Execute Before becomes validUntil (a JSON number, so it must be a safe integer), and each
 * Selector a 0x-hex entrypoint, which the sidecar signs as a raw selector.
 */
export function toSessionRequest(
  data: unknown,
  accountAddress: unknown,
  keyId: string | undefined,
  context?: SessionTransactionRequest["context"],
): SessionTransactionRequest {
  const td = record(data, "typed data");
  exactKeys(td, ["types", "primaryType", "domain", "message"], "typed data");
  if (td["primaryType"] !== "OutsideExecution") refuse("primaryType must be OutsideExecution");
  checkTypes(td["types"]);

  const domain = record(td["domain"], "domain");
  exactKeys(domain, ["name", "version", "chainId", "revision"], "domain");
  if (domain["name"] !== DOMAIN_NAME) refuse(`domain.name must be ${DOMAIN_NAME}`);
  if (domain["version"] !== "2") refuse('domain.version must be "2" (SNIP-9 v2)');
  if (domain["revision"] !== "1") refuse('domain.revision must be "1" (SNIP-12 revision 1)');

  const message = record(td["message"], "message");
  exactKeys(message, ["Caller", "Nonce", "Execute After", "Execute Before", "Calls"], "message");
  const executeBefore = feltValue(message["Execute Before"], "Execute Before");
  if (executeBefore === 0n || executeBefore > BigInt(Number.MAX_SAFE_INTEGER)) {
    refuse("Execute Before must be a positive safe integer (it is sent as the JSON number validUntil)");
  }
  const calls = message["Calls"];
  if (!Array.isArray(calls) || calls.length === 0 || calls.length > MAX_CALLS) refuse(`Calls must hold 1 to ${MAX_CALLS} calls`);

  if (typeof accountAddress !== "string" || !HEX_FELT_PATTERN.test(accountAddress) || parseFelt(accountAddress) === undefined) {
    refuse("accountAddress must be a 0x-hex felt");
  }
  return {
    accountAddress: feltHex(BigInt(accountAddress)),
    ...(keyId === undefined ? {} : { keyId }),
    chainId: feltHex(shortStringOrFelt(domain["chainId"], "domain.chainId")),
    nonce: feltHex(feltValue(message["Nonce"], "Nonce")),
    validUntil: Number(executeBefore),
    caller: feltHex(feltValue(message["Caller"], "Caller")),
    executeAfter: feltHex(feltValue(message["Execute After"], "Execute After")),
    calls: calls.map((raw: unknown, i) => {
      const call = record(raw, `Calls[${i}]`);
      exactKeys(call, ["To", "Selector", "Calldata"], `Calls[${i}]`);
      const calldata = call["Calldata"];
      if (!Array.isArray(calldata)) refuse(`Calls[${i}].Calldata must be an array`);
      return {
        contractAddress: feltHex(feltValue(call["To"], `Calls[${i}].To`)),
        entrypoint: feltHex(selectorValue(call["Selector"], `Calls[${i}].Selector`)),
        calldata: calldata.map((d: unknown, j) => feltHex(feltValue(d, `Calls[${i}].Calldata[${j}]`))),
      };
    }),
    ...(context === undefined ? {} : { context }),
  };
}

function checkTypes(value: unknown): void {
  const types = record(value, "types");
  exactKeys(types, Object.keys(V2_TYPES), "types");
  for (const [name, fields] of Object.entries(V2_TYPES)) {
    const given = types[name];
    const ok =
      Array.isArray(given) &&
      given.length === fields.length &&
      given.every((f: unknown, i) => {
        const field = fields[i];
        if (field === undefined || typeof f !== "object" || f === null) return false;
        const entry = f as Record<string, unknown>;
        return Object.keys(entry).length === 2 && entry["name"] === field[0] && entry["type"] === field[1];
      });
    if (!ok) refuse(`types.${name} is not the SNIP-9 v2 ${name} type`);
  }
}

/** A felt given as starknet.js accepts it for these fields: hex or decimal string, safe integer, bigint. */
function feltValue(value: unknown, field: string): bigint {
  let n: bigint | undefined;
  if (typeof value === "string") n = HEX_FELT_PATTERN.test(value) || DEC_FELT_PATTERN.test(value) ? parseFelt(value) : undefined;
  else if (typeof value === "number") n = Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined;
  else if (typeof value === "bigint") n = value >= 0n ? parseFelt(value.toString()) : undefined;
  if (n === undefined) refuse(`${field} must be a felt (0x hex, decimal, or non-negative integer)`);
  return n;
}

/** Like feltValue, plus a Cairo short string for `shortstring` fields (starknet.js encodes "SN_SEPOLIA" so). */
function shortStringOrFelt(value: unknown, field: string): bigint {
  if (typeof value === "string" && !HEX_FELT_PATTERN.test(value) && !DEC_FELT_PATTERN.test(value)) {
    if (/^[\x20-\x7e]{1,31}$/.test(value)) return encodeShortString(value);
    refuse(`${field} must be a felt or a short string`);
  }
  return feltValue(value, field);
}

/**
 * A selector as starknet.js hashes it: 0x hex is taken raw, a Cairo function name is hashed
 * with starknet_keccak. Either way the request carries the resulting 0x selector. Decimal
 * strings are refused (starknet.js would hash their text as a name).
 */
function selectorValue(value: unknown, field: string): bigint {
  if (typeof value === "string" && /^[A-Za-z_][A-Za-z0-9_]{0,255}$/.test(value)) return selectorOf(value);
  if (typeof value !== "string" || !HEX_FELT_PATTERN.test(value)) refuse(`${field} must be a 0x-hex selector or a function name`);
  const n = parseFelt(value);
  if (n === undefined) refuse(`${field} is not below the Stark prime`);
  return n;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) refuse(`${what} must be an object`);
  return value as Record<string, unknown>;
}

function exactKeys(obj: Record<string, unknown>, keys: readonly string[], what: string): void {
  const given = Object.keys(obj);
  if (given.length !== keys.length || !keys.every((k) => Object.prototype.hasOwnProperty.call(obj, k))) {
    refuse(`${what} must have exactly the fields ${keys.join(", ")}`);
  }
}

function refuse(message: string): never {
  throw new BadRequestError(`not SNIP-9 v2 outside-execution typed data: ${message}`);
}
