import { readFileSync } from "node:fs";

/** The sidecar's package version, read once (src/ and dist/ both sit one level under the package). */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }
).version;
