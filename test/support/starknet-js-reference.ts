import { constants, ec, outsideExecution, typedData, type TypedDataRevision } from "starknet";

/**
 * The session hashes and signature checks recomputed with starknet.js alone (no Airlock code),
 * for tests that must not trust the implementation they check. Follows SISNA's
 * computeSessionSigningHashes (SNIP-9 v2 outside execution, SNIP-12 revision 1), except that a
 * 0x-hex entrypoint is used as the raw selector (starknet.js would keccak it as a name; that is
 * the SISNA quirk Airlock fixes).
 */

export interface WireCall {
  contractAddress: string;
  entrypoint: string;
  calldata: string[];
}

export interface WireSessionRequest {
  accountAddress: string;
  chainId: string;
  nonce: string;
  validUntil: number;
  caller?: string;
  executeAfter?: string;
  calls: WireCall[];
}

const hex = (v: string | number | bigint): string => `0x${BigInt(v).toString(16)}`;

/** domainHash and messageHash (0x lowercase hex) of a session request, by starknet.js. */
export function starknetJsHashes(req: WireSessionRequest): { domainHash: string; messageHash: string } {
  const td = outsideExecution.getTypedData(
    hex(req.chainId),
    {
      caller: req.caller ?? constants.OutsideExecutionCallerAny,
      execute_after: req.executeAfter ?? 0,
      execute_before: req.validUntil,
    },
    req.nonce,
    req.calls.map((c) => ({ contractAddress: c.contractAddress, entrypoint: c.entrypoint, calldata: c.calldata })),
    "2",
  );
  // starknet.js hashes every entrypoint as a name; a 0x entrypoint is a raw selector on the wire.
  const calls = (td.message as { Calls: { Selector: string }[] }).Calls;
  req.calls.forEach((c, i) => {
    if (c.entrypoint.startsWith("0x")) calls[i]!.Selector = c.entrypoint;
  });
  const domainHash = typedData.getStructHash(td.types, "StarknetDomain", td.domain, "1" as TypedDataRevision);
  const messageHash = typedData.getMessageHash(td, req.accountAddress);
  return { domainHash: hex(domainHash), messageHash: hex(messageHash) };
}

/** The full (uncompressed) public key of a private key, as starknet.js derives it. */
export function fullPublicKey(privateKey: bigint): string {
  return `0x${Buffer.from(ec.starkCurve.getPublicKey(hex(privateKey), false)).toString("hex")}`;
}

/** The Stark key (x coordinate) of a private key, 0x lowercase unpadded. */
export function starkKey(privateKey: bigint): string {
  return hex(ec.starkCurve.getStarkKey(hex(privateKey)));
}

/** Verifies (r, s) over `messageHash` against the full public key of `privateKey` with starknet.js. */
export function verifiesWithStarknetJs(messageHash: string, r: string, s: string, privateKey: bigint): boolean {
  const sig = new ec.starkCurve.Signature(BigInt(r), BigInt(s));
  return ec.starkCurve.verify(sig, hex(messageHash), fullPublicKey(privateKey));
}

/** ECDSA-signs `messageHash` with starknet.js (low-S, as the session account requires). */
export function starknetJsSign(messageHash: string, privateKey: bigint): { r: bigint; s: bigint } {
  const sig = ec.starkCurve.sign(hex(messageHash), hex(privateKey));
  const n = ec.starkCurve.CURVE.n;
  return { r: sig.r, s: sig.s > n / 2n ? n - sig.s : sig.s };
}
