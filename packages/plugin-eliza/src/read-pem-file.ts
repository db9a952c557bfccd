import { open } from "node:fs/promises";
import { AirlockSettingsError } from "./settings-errors.js";

const MAX_PEM_BYTES = 1024 * 1024;

/**
 * Reads a PEM file named by a setting (relative paths resolve against the working directory).
 * Bounded in size; errors name the setting and the system error code, never the path's content
 * (a private key) nor the path itself.
 */
export async function readPemFile(path: string, setting: string): Promise<string> {
  let text: string;
  try {
    const file = await open(path, "r");
    try {
      const { size, isFile } = await file.stat().then((st) => ({ size: st.size, isFile: st.isFile() }));
      if (!isFile) throw new AirlockSettingsError(setting, `${setting} must name a regular file.`);
      if (size > MAX_PEM_BYTES) throw new AirlockSettingsError(setting, `${setting} names a file larger than ${MAX_PEM_BYTES} bytes.`);
      text = await file.readFile({ encoding: "utf8" });
    } finally {
      await file.close();
    }
  } catch (err) {
    if (err instanceof AirlockSettingsError) throw err;
    const code = typeof (err as { code?: unknown }).code === "string" ? ` (${(err as { code: string }).code})` : "";
    throw new AirlockSettingsError(setting, `${setting} names a file that could not be read${code}.`);
  }
  if (text.length > MAX_PEM_BYTES || !text.includes("-----BEGIN ")) {
    throw new AirlockSettingsError(setting, `${setting} must name a PEM file (no "-----BEGIN" line found).`);
  }
  return text;
}
