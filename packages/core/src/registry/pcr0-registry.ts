// On-chain PCR0 registry check: `isPCR0Active(bytes) returns (bool active, address owner)` on a
// configured registry (Airlock's, or Usenami's deployed one: same ABI), accepted only when the
// measurement is active AND registered by the pinned owner. Everything else fails closed.
import { FetchRequest, Interface, JsonRpcProvider, Network, ZeroAddress, getAddress, isError } from "ethers";
import { boundedGetUrl, RpcTransportError } from "./bounded-get-url.js";
import { RegistryError } from "./registry-error.js";
import { resolveRegistryOptions, type Pcr0RegistryOptions, type ResolvedRegistryOptions } from "./registry-options.js";

/** A passed check. Anything else is a thrown {@link RegistryError}. */
export interface RegistryStatus {
  readonly active: true;
  /** The registering owner (checksummed): always the pinned owner. */
  readonly owner: string;
  /** The registry contract asked (checksummed). */
  readonly registry: string;
  /** When the registry answered (ms since the epoch); a cached status keeps its original time. */
  readonly checkedAt: number;
}

/** The check returned by {@link createPcr0RegistryCheck}. */
export interface Pcr0RegistryCheck {
  /**
   * Resolves when `pcr0Hex` (48 bytes of hex, with or without 0x) is active in the registry for
   * the pinned owner; throws RegistryError otherwise (NOT_ACTIVE, OWNER_MISMATCH, BAD_RESPONSE,
   * RPC_UNAVAILABLE, or CONFIG for a malformed PCR0 or a chain mismatch).
   */
  check(pcr0Hex: string): Promise<RegistryStatus>;
}

const ABI = new Interface(["function isPCR0Active(bytes pcr0) view returns (bool active, address owner)"]);
const PCR0 = /^(?:0x)?([0-9a-fA-F]{96})$/;
/** A valid answer is ~200 bytes of JSON; node error answers with revert data stay far below this. */
const MAX_ANSWER_BYTES = 64 * 1024;
/** Bound on cached statuses; only the owner's own active measurements can ever be cached. */
const MAX_CACHE_ENTRIES = 64;
/** ABI encoding of (bool, address): two 32-byte words, nothing else. */
const RESULT = /^0x0{63}([01])0{24}([0-9a-fA-F]{40})$/;

/**
 * Creates a registry check. Options are validated now (RegistryError CONFIG); nothing is sent
 * until the first `check`. Successful answers are cached for `cacheTtlMs`; failures never are;
 * concurrent checks of one PCR0 share a single call.
 */
export function createPcr0RegistryCheck(opts: Pcr0RegistryOptions): Pcr0RegistryCheck {
  const o = resolveRegistryOptions(opts);
  const provider = makeProvider(o);
  const cache = new Map<string, { status: RegistryStatus; expiresAt: number }>();
  const inflight = new Map<string, Promise<RegistryStatus>>();
  let chainVerified: Promise<void> | undefined;

  const verifyChain = (): Promise<void> => {
    if (o.chainId === undefined) return Promise.resolve();
    chainVerified ??= readChainId(provider, o).catch((e: unknown) => {
      chainVerified = undefined; // a failure is retried by the next check, never remembered
      throw e;
    });
    return chainVerified;
  };

  const lookup = async (pcr0: string): Promise<RegistryStatus> => {
    await verifyChain();
    let raw: unknown;
    try {
      raw = await provider.call({ to: o.address, data: ABI.encodeFunctionData("isPCR0Active", [pcr0]) });
    } catch (e) {
      throw classify(e, o.rpcHost);
    }
    const checkedAt = Date.now();
    const m = typeof raw === "string" ? RESULT.exec(raw) : null;
    if (m === null) throw new RegistryError("BAD_RESPONSE", `registry ${o.address} returned no valid isPCR0Active result`);
    const owner = getAddress(`0x${m[2]!.toLowerCase()}`);
    if (m[1] !== "1") throw new RegistryError("NOT_ACTIVE", `PCR0 is not active in registry ${o.address}`);
    // An honest registry never reports an active measurement without an owner.
    if (owner === ZeroAddress) throw new RegistryError("BAD_RESPONSE", `registry ${o.address} reported an active PCR0 without an owner`);
    if (owner !== o.owner) {
      throw new RegistryError("OWNER_MISMATCH", `PCR0 is registered by ${owner}, not by the pinned owner ${o.owner}`);
    }
    return Object.freeze({ active: true, owner, registry: o.address, checkedAt });
  };

  const check = (pcr0Hex: string): Promise<RegistryStatus> => {
    const m = typeof pcr0Hex === "string" ? PCR0.exec(pcr0Hex) : null;
    if (m === null) return Promise.reject(new RegistryError("CONFIG", "pcr0 must be 48 bytes of hex"));
    const pcr0 = `0x${m[1]!.toLowerCase()}`;

    const hit = cache.get(pcr0);
    if (hit !== undefined) {
      if (performance.now() < hit.expiresAt) return Promise.resolve(hit.status);
      cache.delete(pcr0);
    }
    const pending = inflight.get(pcr0);
    if (pending !== undefined) return pending;

    const call = withDeadline(lookup(pcr0), o.timeoutMs, o.rpcHost)
      .then((status) => {
        if (o.cacheTtlMs > 0) {
          if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
          // Monotonic clock: setting the wall clock back must not extend a cached "active".
          cache.set(pcr0, { status, expiresAt: performance.now() + o.cacheTtlMs });
        }
        return status;
      })
      .finally(() => inflight.delete(pcr0));
    inflight.set(pcr0, call);
    return call;
  };

  return { check };
}

/**
 * ethers' JsonRpcProvider with everything that could send an unplanned request turned off: a
 * static network (no eth_chainId probing and its retry loop), no batching, no request cache
 * (ours decides what is reused), no 429 retries, the bounded transport, and CCIP-read disabled
 * for good (ethers v6 follows an OffchainLookup revert only for calls that opt in, but a
 * followed one would let a hostile node or contract make the client fetch any URL).
 */
function makeProvider(o: ResolvedRegistryOptions): JsonRpcProvider {
  const req = new FetchRequest(o.requestUrl);
  req.timeout = o.timeoutMs;
  req.allowGzip = false;
  req.getUrlFunc = boundedGetUrl(o.timeoutMs, MAX_ANSWER_BYTES);
  req.retryFunc = async () => false;
  req.setThrottleParams({ maxAttempts: 1 });
  if (o.credentials !== undefined) req.setCredentials(o.credentials.username, o.credentials.password);
  const network = new Network(o.chainId === undefined ? "unpinned" : `chain-${o.chainId}`, o.chainId ?? 0);
  const provider = new JsonRpcProvider(req, network, { staticNetwork: network, batchMaxCount: 1, cacheTimeout: -1 });
  provider.disableCcipRead = true;
  return provider;
}

async function readChainId(provider: JsonRpcProvider, o: ResolvedRegistryOptions): Promise<void> {
  let raw: unknown;
  try {
    raw = await provider.send("eth_chainId", []);
  } catch (e) {
    throw classify(e, o.rpcHost);
  }
  if (typeof raw !== "string" || !/^0x(?:0|[1-9a-f][0-9a-f]{0,15})$/.test(raw)) {
    throw new RegistryError("BAD_RESPONSE", `RPC at ${o.rpcHost} returned no valid chain id`);
  }
  if (BigInt(raw) !== BigInt(o.chainId!)) {
    throw new RegistryError("CONFIG", `RPC at ${o.rpcHost} serves chain ${BigInt(raw)}, not the configured chain ${o.chainId}`);
  }
}

/**
 * Maps whatever the provider threw to a RegistryError with a message of our own: ethers' messages
 * and `info` embed the request (URL with its credentials) and the node's text, so neither is kept.
 */
function classify(e: unknown, rpcHost: string): RegistryError {
  if (e instanceof RegistryError) return e;
  const unavailable = (why: string) => new RegistryError("RPC_UNAVAILABLE", `registry RPC at ${rpcHost} unavailable: ${why}`);
  if (e instanceof RpcTransportError) return unavailable(e.reason);
  if (isError(e, "TIMEOUT") || isError(e, "NETWORK_ERROR") || isError(e, "CANCELLED")) return unavailable(e.code);
  if (isError(e, "SERVER_ERROR")) {
    const status = e.response?.statusCode;
    return unavailable(typeof status === "number" && status > 0 ? `HTTP ${status}` : "server error");
  }
  // A JSON-RPC error object for any other method (eth_chainId): the node declined to answer.
  if (isError(e, "UNKNOWN_ERROR") && typeof e.error === "object" && e.error !== null) return unavailable("JSON-RPC error");
  if (isError(e, "CALL_EXCEPTION")) {
    // ethers reports every JSON-RPC error of eth_call as CALL_EXCEPTION; only one with revert
    // data or a revert message is an answer from the contract.
    const rpcError = (e.info as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const reverted = e.data != null || (typeof rpcError?.message === "string" && /revert/i.test(rpcError.message));
    if (!reverted) {
      const code = typeof rpcError?.code === "number" && Number.isSafeInteger(rpcError.code) ? ` ${rpcError.code}` : "";
      return unavailable(`JSON-RPC error${code}`);
    }
    return new RegistryError("BAD_RESPONSE", "the registry call reverted (wrong address or not a registry?)");
  }
  const what = isError(e, "UNSUPPORTED_OPERATION")
    ? "a body that is not JSON"
    : isError(e, "BAD_DATA")
      ? "no answer to the request sent"
      : isError(e, "INVALID_ARGUMENT")
        ? "a result that is not hex data"
        : "something unexpected";
  return new RegistryError("BAD_RESPONSE", `RPC at ${rpcHost} sent ${what}`);
}

/** Rejects with RPC_UNAVAILABLE when `p` has not settled within `ms`, whatever ethers is doing. */
function withDeadline<T>(p: Promise<T>, ms: number, rpcHost: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    const message = `registry RPC at ${rpcHost} unavailable: no answer within ${ms} ms`;
    timer = setTimeout(() => reject(new RegistryError("RPC_UNAVAILABLE", message)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
