// The five real AWS Nitro attestation documents in ../shared/conformance/nitro and their
// expected.json facts, for every test that reads them (skipped loudly when ../shared is absent).
import { existsSync, readFileSync } from "node:fs";

const dir = new URL("../../../../../shared/conformance/nitro/", import.meta.url);

/** True when ../shared/conformance/nitro is beside the checkout. */
export const documentsPresent = existsSync(new URL("expected.json", dir));
if (!documentsPresent) console.warn(`SKIPPED: Nitro conformance documents not found at ${dir.pathname}`);

/** What expected.json says of one document (the fields tests read; PCRn as `PCR0`... keys). */
export interface ExpectedDocument {
  module_id: string;
  timestamp_ms: number;
  chain_valid_from: string;
  chain_valid_to: string;
  public_key: string | null;
  user_data: string | null;
  nonce: string | null;
  [k: string]: unknown;
}

/** expected.json by document file name. */
export const expectedDocuments: Record<string, ExpectedDocument> = documentsPresent ? JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")) : {};

/** The document file names. */
export const documentNames: readonly string[] = Object.keys(expectedDocuments);

/** The bytes of one document. */
export function documentBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, dir)));
}
