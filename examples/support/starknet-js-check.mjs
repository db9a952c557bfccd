// The independent check of a session signature: starknet.js (not @airlock/core) rebuilds the
// SNIP-9 v2 outside-execution typed data, computes the SNIP-12 message hash and verifies (r, s)
// against the session public key.
import { constants, ec, outsideExecution, typedData } from "starknet";

/**
 * @param request {accountAddress, chainId, nonce, validUntil, calls: [{contractAddress, entrypoint, calldata}]}
 * @param signed {messageHash, signature: [sessionPublicKey, r, s, validUntil]}
 * @returns {{ messageHash: string, ok: boolean }} ok when the hash matches and the signature verifies
 */
export function verifyWithStarknetJs(request, signed) {
  const td = outsideExecution.getTypedData(
    request.chainId,
    { caller: constants.OutsideExecutionCallerAny, execute_after: 0, execute_before: request.validUntil },
    request.nonce,
    request.calls,
    "2",
  );
  const messageHash = typedData.getMessageHash(td, request.accountAddress);
  const [pub, r, s] = signed.signature;
  // The signature carries the Stark key (x only): try both points with that x.
  const x = BigInt(pub).toString(16).padStart(64, "0");
  const ok = ["02", "03"].some((prefix) => ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(r), BigInt(s)), messageHash, prefix + x));
  return { messageHash, ok: ok && BigInt(messageHash) === BigInt(signed.messageHash) };
}
