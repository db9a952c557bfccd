import { closeSync, fstatSync, openSync, readSync } from "node:fs";

/** A file named by a setting, read whole, or why it could not be. */
export type SettingFile = { ok: true; bytes: Buffer; mode: number } | { ok: false; reason: string };

/**
 * Reads a regular file of at most `maxBytes` through one descriptor (the size checked is the
 * size of the file read). Reasons never contain the path or the content: only an errno code or
 * fixed text, because both the path and the file may be sensitive.
 */
export function readSettingFile(path: string, maxBytes: number): SettingFile {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    return { ok: false, reason: `cannot be opened (${errnoOf(err)})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, reason: "does not name a regular file" };
    if (stat.size > maxBytes) return { ok: false, reason: `names a file larger than ${maxBytes} bytes` };
    // One byte more than allowed tells a file that grew since fstat from one that fits.
    const bytes = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, bytes, length, bytes.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes) return { ok: false, reason: `names a file larger than ${maxBytes} bytes` };
    }
    return { ok: true, bytes: bytes.subarray(0, length), mode: stat.mode };
  } catch (err) {
    return { ok: false, reason: `cannot be read (${errnoOf(err)})` };
  } finally {
    closeSync(fd);
  }
}

function errnoOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]{1,20}$/.test(code) ? code : "error";
}
