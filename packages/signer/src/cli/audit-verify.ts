import { verifyAuditFile } from "../audit/audit-chain.js";

/** `airlock-signer audit verify FILE`: exit 0 when the chain holds, 1 naming the first broken record. */
export async function runAuditVerify(path: string): Promise<number> {
  let result;
  try {
    result = await verifyAuditFile(path);
  } catch (err) {
    process.stderr.write(`airlock-signer audit verify: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? "error"}\n`);
    return 1;
  }
  if (result.ok) {
    process.stdout.write(`ok: ${result.records} records, chain intact (head ${result.head})\n`);
    return 0;
  }
  const { line, seq, reason } = result.brokenAt;
  process.stdout.write(`broken: record at line ${line}${seq === undefined ? "" : ` (seq ${seq})`}: ${reason}; ${result.records} records verified before it\n`);
  return 1;
}
