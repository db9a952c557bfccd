// Entry point of @airlock/core/starknet: Starknet session hashing and Stark ECDSA.
export { STARK_PRIME, STARK_ORDER, HEX_FELT_PATTERN, DEC_FELT_PATTERN, parseFelt, feltOf, feltHex, normalizeFelt } from "./felt.js";
export { encodeShortString } from "./short-string.js";
export {
  ANY_CALLER,
  selectorOf,
  outsideExecutionDomainHash,
  outsideExecutionStructHash,
  outsideExecutionHashes,
  type OutsideCall,
  type OutsideExecution,
  type SessionHashes,
} from "./session-hash.js";
export { parseSessionRequest, sessionRequestHashes, type ParsedSessionRequest } from "./session-request.js";
export {
  signLowS,
  starkKeyOf,
  verifyWithStarkKey,
  fullPublicKeyHex,
  precomputeSigningTables,
  type StarkSignature,
} from "./stark-ecdsa.js";
