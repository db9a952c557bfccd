import type { SessionTransactionRequest } from "../wire/session-schemas.js";
import { feltOf } from "./felt.js";
import { ANY_CALLER, outsideExecutionHashes, selectorOf, type OutsideExecution, type SessionHashes } from "./session-hash.js";

/** A validated session request with every felt parsed once, for the policy and the hash. */
export interface ParsedSessionRequest {
  account: bigint;
  chainId: bigint;
  execution: OutsideExecution;
}

/**
 * Maps a validated request body onto the SNIP-9 v2 outside execution it asks to sign: an absent
 * caller is ANY_CALLER, an absent executeAfter is 0, executeBefore is validUntil.
 */
export function parseSessionRequest(req: SessionTransactionRequest): ParsedSessionRequest {
  return {
    account: feltOf(req.accountAddress, "accountAddress"),
    chainId: feltOf(req.chainId, "chainId"),
    execution: {
      caller: req.caller === undefined ? ANY_CALLER : feltOf(req.caller, "caller"),
      nonce: feltOf(req.nonce, "nonce"),
      executeAfter: req.executeAfter === undefined ? 0n : feltOf(req.executeAfter, "executeAfter"),
      executeBefore: BigInt(req.validUntil),
      calls: req.calls.map((c, i) => ({
        to: feltOf(c.contractAddress, `calls[${i}].contractAddress`),
        selector: selectorOf(c.entrypoint),
        calldata: c.calldata.map((d, j) => feltOf(d, `calls[${i}].calldata[${j}]`)),
      })),
    },
  };
}

/** Domain and message hash of a validated request, as the signer and the client both compute them. */
export function sessionRequestHashes(req: SessionTransactionRequest): SessionHashes {
  const parsed = parseSessionRequest(req);
  return outsideExecutionHashes(parsed.account, parsed.chainId, parsed.execution);
}
