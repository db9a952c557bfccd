// Build-time helper of the enclave Dockerfile (never shipped): makes the app tree the same bytes
// on every build. PCR0 is a hash over every byte of the enclave image, file owners, modes and
// times included, so two builds of the same commit must not differ by who built them, their
// umask or when they ran. For every entry under the given roots (symbolic links themselves,
// never their targets): owner 0:0; directories 0555; files 0555 when any execute bit is set,
// else 0444 (read-only: nothing in the enclave writes its own code); access and modification
// times SOURCE_DATE_EPOCH.
//   SOURCE_DATE_EPOCH=<seconds> node normalize-tree.mjs <dir>...
import { chmodSync, lchownSync, lstatSync, lutimesSync, readdirSync } from "node:fs";
import { join } from "node:path";

const MAX_ENTRIES = 2_000_000;

function fail(message, code = 2) {
  process.stderr.write(`normalize-tree: ${message}\n`);
  process.exit(code);
}

const raw = process.env.SOURCE_DATE_EPOCH;
if (raw === undefined || !/^[0-9]{1,12}$/.test(raw)) fail("SOURCE_DATE_EPOCH must be set to seconds since the epoch (digits only)");
const roots = process.argv.slice(2);
if (roots.length === 0) fail("give at least one directory");
const time = Number(raw);
const chown = process.getuid?.() === 0;

let entries = 0;
// Depth-first with an explicit stack; links are never followed, so no cycle is possible.
const stack = [...roots];
while (stack.length > 0) {
  const path = stack.pop();
  const st = lstatSync(path);
  if (st.isDirectory()) for (const name of readdirSync(path)) stack.push(join(path, name));
  if (chown) lchownSync(path, 0, 0);
  if (st.isDirectory()) chmodSync(path, 0o555);
  else if (st.isFile()) chmodSync(path, (st.mode & 0o111) !== 0 ? 0o555 : 0o444);
  else if (!st.isSymbolicLink()) fail(`${path} is neither a file, a directory nor a link`, 1);
  lutimesSync(path, time, time);
  if (++entries > MAX_ENTRIES) fail(`more than ${MAX_ENTRIES} entries, refusing`, 1);
}
process.stdout.write(`${JSON.stringify({ event: "tree.normalized", entries, sourceDateEpoch: time })}\n`);
