import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/** Repository paths of the container files under test. */
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const DOCKERFILE = fileURLToPath(new URL("../../packages/signer/Dockerfile", import.meta.url));
export const DOCKERIGNORE = fileURLToPath(new URL("../../.dockerignore", import.meta.url));
export const COMPOSE_DIR = fileURLToPath(new URL("../../examples/compose/", import.meta.url));
export const COMPOSE_FILE = fileURLToPath(new URL("../../examples/compose/docker-compose.yml", import.meta.url));

/** The secret-bearing variables of the loader: a container definition may name their *_FILE variants only. */
export const PLAIN_SECRET_VARIABLES = [
  "KEYRING_HMAC_SECRET",
  "KEYRING_AUTH_CLIENTS_JSON",
  "SESSION_PRIVATE_KEY",
  "KEYRING_SIGNING_KEYS_JSON",
  "KEYRING_DFNS_AUTH_TOKEN",
  "KEYRING_DFNS_USER_ACTION_SIGNATURE",
] as const;

/** One Dockerfile instruction: keyword (upper case), its argument text, its 1-based line. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

/** One build stage: its FROM arguments, its name (AS …) and its instructions after FROM. */
export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/**
 * Parses a Dockerfile line by line: comments and blank lines dropped (parser directives are
 * comments too), backslash continuations joined (comment lines inside a continuation skipped,
 * as Docker does), split into stages at each FROM.
 */
export function parseDockerfile(text: string): { readonly preamble: readonly Instruction[]; readonly stages: readonly Stage[] } {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split("\n").forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    if (/^\s*#/.test(line) || (pending === undefined && line.trim() === "")) return;
    const continued = /\\\s*$/.test(line);
    const body = continued ? line.replace(/\\\s*$/, "") : line;
    pending = pending === undefined ? { text: body, line: i + 1 } : { text: `${pending.text} ${body.trim()}`, line: pending.line };
    if (!continued) {
      const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(pending.text);
      if (!m) throw new Error(`Dockerfile line ${pending.line}: not an instruction`);
      instructions.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: pending.line });
      pending = undefined;
    }
  });
  if (pending !== undefined) throw new Error("Dockerfile ends inside a line continuation");
  const preamble: Instruction[] = [];
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`Dockerfile line ${ins.line}: unexpected FROM`);
      stages.push({ from: m[1]!, name: m[2], instructions: [] });
    } else if (stages.length === 0) {
      preamble.push(ins);
    } else {
      stages.at(-1)!.instructions.push(ins);
    }
  }
  return { preamble, stages };
}

/** The exec (JSON array) form of CMD/ENTRYPOINT/HEALTHCHECK CMD; undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.startsWith("[")) return undefined;
  const value = JSON.parse(args) as unknown;
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) throw new Error("exec form must be an array of strings");
  return value;
}

/** A COPY/ADD's flags (--from=…, --chown=…), sources and destination. */
export function copyParts(args: string): { flags: Record<string, string>; sources: string[]; dest: string } {
  const words = execForm(args) ?? args.split(/\s+/).filter((w) => w !== "");
  const flags: Record<string, string> = {};
  while (words[0]?.startsWith("--")) {
    const [k, v = ""] = words.shift()!.slice(2).split("=", 2) as [string, string?];
    flags[k] = v;
  }
  const dest = words.pop();
  if (dest === undefined || words.length === 0) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { flags, sources: words, dest };
}

/** ENV's KEY=value pairs (the legacy `ENV KEY value` form included). */
export function envPairs(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  if (!args.includes("=")) {
    const [k, ...rest] = args.split(/\s+/);
    pairs[k!] = rest.join(" ");
    return pairs;
  }
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) pairs[m[1]!] = m[3] ?? m[2]!;
  return pairs;
}

/** A .dockerignore pattern as a regular expression over slash-separated context paths. */
function ignoreRegex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        re += "(?:.*/)?";
      } else {
        re += ".*";
      }
    } else if (c === "*") {
      re += "[^/]*";
    } else if (c === "?") {
      re += "[^/]";
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${re}$`);
}

/**
 * A matcher with Docker's .dockerignore rules: `*`, `?` and `**`; a pattern that matches a
 * directory excludes everything under it; `!` re-includes; the last matching line wins.
 */
export function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => {
      const negate = l.startsWith("!");
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, "").replace(/\/+$/, "");
      return { negate, re: ignoreRegex(pattern) };
    });
  return (path) => {
    const parts = path.replace(/^\.?\/+/, "").split("/");
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.re.test(p))) excluded = !rule.negate;
    }
    return excluded;
  };
}

/** The parts of a compose service the tests read. */
export interface ComposeService {
  image?: string;
  build?: { context?: string; dockerfile?: string } | string;
  user?: string;
  read_only?: boolean;
  tmpfs?: string[] | string;
  cap_drop?: string[];
  security_opt?: string[];
  ports?: unknown[];
  environment?: Record<string, string | number | boolean | null> | string[];
  secrets?: (string | { source: string; target?: string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  networks?: string[] | Record<string, unknown>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string[] | string; interval?: string; timeout?: string; retries?: number; start_period?: string };
  command?: string[] | string;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
  networks?: Record<string, { internal?: boolean } | null>;
}

export function parseCompose(text: string): ComposeFile {
  return parseYaml(text) as ComposeFile;
}

/** A service's environment as a map (compose allows a list of KEY=value too). */
export function environmentOf(service: ComposeService): Record<string, string> {
  const env = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(env)
    ? env.map((kv) => {
        const i = kv.indexOf("=");
        return [kv.slice(0, i), kv.slice(i + 1)];
      })
    : Object.entries(env).map(([k, v]) => [k, v === null ? "" : String(v)]);
  return Object.fromEntries(entries);
}

/** The secret names a service mounts. */
export function secretNamesOf(service: ComposeService): string[] {
  return (service.secrets ?? []).map((s) => (typeof s === "string" ? s : s.source));
}

/** A service's volumes as {source, target, readOnly} (short `src:dst[:ro]` syntax or long form). */
export function volumesOf(service: ComposeService): { source: string; target: string; readOnly: boolean }[] {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== "string") return { source: v.source ?? "", target: v.target ?? "", readOnly: false };
    const [source = "", target = "", mode = ""] = v.split(":");
    return { source, target, readOnly: mode.split(",").includes("ro") };
  });
}

export function networkNamesOf(service: ComposeService): string[] {
  const n = service.networks ?? [];
  return Array.isArray(n) ? n : Object.keys(n);
}

/** The root package.json's workspace folders. */
export function workspaces(): string[] {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { workspaces: string[] }).workspaces;
}
