import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** ../shared/conformance beside the repository, when present (CI has it; a bare clone may not). */
export const SHARED_CONFORMANCE = fileURLToPath(new URL("../../../../shared/conformance/", import.meta.url));

export interface SessionVector {
  id: string;
  accountAddress: string;
  chainId: string;
  nonce: string;
  validUntil: number;
  caller?: string;
  executeAfter?: string;
  calls: { contractAddress: string; entrypoint: string; calldata: string[] }[];
  expected: { domainHash: string; messageHash: string; signature: [string, string, string, string] };
}

export interface SessionVectorFile {
  privateKey: string;
  sessionPublicKey: string;
  vectors: SessionVector[];
}

export function loadSessionVectors(): SessionVectorFile | undefined {
  const path = `${SHARED_CONFORMANCE}starknet-session-v2.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as SessionVectorFile) : undefined;
}
