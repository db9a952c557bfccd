import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DOCKERFILE,
  DOCKERIGNORE,
  PLAIN_SECRET_VARIABLES,
  REPO,
  copyParts,
  dockerignoreMatcher,
  envPairs,
  execForm,
  parseDockerfile,
  workspaces,
  type Instruction,
} from "./container-files.js";

const text = readFileSync(DOCKERFILE, "utf8");
const { preamble, stages } = parseDockerfile(text);
const final = stages.at(-1)!;
const all = [...preamble, ...stages.flatMap((s) => s.instructions)];
const of = (list: readonly Instruction[], keyword: string) => list.filter((i) => i.keyword === keyword);
const ignored = dockerignoreMatcher(readFileSync(DOCKERIGNORE, "utf8"));

/** What a COPY/ADD source or an ENV/ARG name must never look like. */
const SECRET_LOOKING = /(^|\/|\.)env(\.|$)|keystore|secret|passphrase|\.pem$|\.key$|\.p12$|id_rsa|credential/i;

describe("packages/signer/Dockerfile", () => {
  it("parses into a build, a production-dependency and a runtime stage", () => {
    expect(stages.map((s) => s.name)).toEqual(["build", "prod-deps", "runtime"]);
    // Every stage starts from the same base, chosen once.
    expect(new Set(stages.map((s) => s.from))).toEqual(new Set(["${NODE_IMAGE}"]));
    expect(of(preamble, "ARG").map((a) => a.args)).toEqual(["NODE_IMAGE=node:22-alpine"]);
  });

  it("runs the final stage as a numeric non-root user, set once and last", () => {
    const users = of(final.instructions, "USER");
    expect(users).toHaveLength(1);
    const m = /^(\d+)(?::(\d+))?$/.exec(users[0]!.args);
    expect(m, "USER is numeric uid[:gid], so Kubernetes' runAsNonRoot can verify it").not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    if (m![2] !== undefined) expect(Number(m![2])).toBeGreaterThan(0);
    // Nothing after USER runs as root again.
    const after = final.instructions.slice(final.instructions.indexOf(users[0]!) + 1);
    expect(of(after, "RUN")).toEqual([]);
  });

  it("starts the CLI's serve verb, listening on the container network", () => {
    expect(of(final.instructions, "ENTRYPOINT").map((i) => execForm(i.args))).toEqual([["node", "/app/packages/signer/dist/cli.js"]]);
    expect(of(final.instructions, "CMD").map((i) => execForm(i.args))).toEqual([["serve"]]);
    const env = Object.assign({}, ...of(final.instructions, "ENV").map((i) => envPairs(i.args))) as Record<string, string>;
    expect(env.HOST).toBe("0.0.0.0");
    expect(env.PORT).toBe("8545");
    // NODE_ENV is a security switch for this sidecar: the deployment sets it, not the image.
    expect(env).not.toHaveProperty("NODE_ENV");
  });

  it("has a HEALTHCHECK on /health run with node (exec form, no curl)", () => {
    const checks = of(final.instructions, "HEALTHCHECK");
    expect(checks).toHaveLength(1);
    const m = /^((?:--[a-z-]+=\S+\s+)*)CMD\s+(\[.*\])$/.exec(checks[0]!.args);
    expect(m).not.toBeNull();
    const cmd = execForm(m![2]!)!;
    expect(cmd.slice(0, 2)).toEqual(["node", "-e"]);
    expect(cmd[2]).toContain("/health");
    expect(m![1]).toMatch(/--timeout=\d+s/);
  });

  it("never copies a .env file, a keystore, a key or a secret, and never uses ADD", () => {
    expect(of(all, "ADD")).toEqual([]);
    for (const copy of of(all, "COPY")) {
      for (const source of copyParts(copy.args).sources) expect(source, `line ${copy.line}`).not.toMatch(SECRET_LOOKING);
    }
    // No secret baked in through ENV, ARG or LABEL either.
    for (const ins of [...of(all, "ENV"), ...of(all, "ARG"), ...of(all, "LABEL")]) {
      for (const name of PLAIN_SECRET_VARIABLES) expect(ins.args, `line ${ins.line}`).not.toContain(name);
      expect(ins.args, `line ${ins.line}`).not.toMatch(/SECRET|PASSPHRASE|PRIVATE_KEY|TOKEN/i);
    }
  });

  it("installs from the lockfile only (npm ci, no install scripts), never npm install", () => {
    const runs = of(all, "RUN");
    for (const run of runs) {
      expect(run.args, `line ${run.line}`).not.toMatch(/\bnpm\s+(install|i|add|update)\b/);
      // No other package manager and no download: what is built comes from the lockfile.
      expect(run.args, `line ${run.line}`).not.toMatch(/(^|&&|;|\|)\s*(yarn|pnpm|curl|wget|apk|apt-get)\b/);
      for (const ci of run.args.match(/\bnpm ci\b[^&;]*/g) ?? []) expect(ci).toContain("--ignore-scripts");
    }
    const build = stages.find((s) => s.name === "build")!;
    expect(of(build.instructions, "RUN").map((r) => r.args)).toEqual([
      "npm ci --ignore-scripts --no-audit --no-fund",
      "npm run build -w @airlock/poseidon && npx tsc -b packages/core packages/signer",
    ]);
    const deps = stages.find((s) => s.name === "prod-deps")!;
    expect(of(deps.instructions, "RUN").map((r) => r.args)).toEqual([
      "npm ci --omit=dev --workspace @airlock/signer --ignore-scripts --no-audit --no-fund",
    ]);
  });

  it("gives npm ci every workspace manifest the lockfile names, before the sources", () => {
    const manifests = workspaces().map((w) => `${w}/package.json`);
    for (const name of ["build", "prod-deps"]) {
      const stage = stages.find((s) => s.name === name)!;
      const ciAt = stage.instructions.findIndex((i) => i.keyword === "RUN" && i.args.startsWith("npm ci"));
      const copiedBefore = of(stage.instructions.slice(0, ciAt), "COPY").flatMap((c) => copyParts(c.args).sources);
      expect(copiedBefore, name).toEqual(expect.arrayContaining(["package.json", "package-lock.json", ...manifests]));
    }
  });

  it("copies into the runtime stage only compiled output, the wasm, manifests and production node_modules", () => {
    const copies = of(final.instructions, "COPY").map((c) => copyParts(c.args));
    expect(copies.length).toBeGreaterThan(0);
    for (const { flags, sources } of copies) {
      expect(["build", "prod-deps"]).toContain(flags.from);
      for (const source of sources) expect(source).toMatch(/(\/dist|\/build\/poseidon\.wasm|\/package\.json|\/node_modules)$/);
    }
    const fromDeps = copies.filter((c) => c.flags.from === "prod-deps").flatMap((c) => c.sources);
    expect(fromDeps).toContain("/app/node_modules");
    // Each package the signer loads at runtime arrives with its manifest and its dist/.
    const targets = copies.map((c) => c.dest);
    for (const pkg of ["poseidon", "core", "signer"]) {
      expect(targets).toContain(`./packages/${pkg}/dist`);
      expect(targets).toContain(`./packages/${pkg}/package.json`);
    }
    expect(targets).toContain("./packages/poseidon/build/poseidon.wasm");
  });

  it("copies from the build context only files that exist and that .dockerignore lets through", () => {
    const contextCopies = of(all, "COPY").filter((c) => copyParts(c.args).flags.from === undefined);
    expect(contextCopies.length).toBeGreaterThan(0);
    for (const copy of contextCopies) {
      for (const source of copyParts(copy.args).sources) {
        expect(existsSync(join(REPO, source)), `${source} (line ${copy.line})`).toBe(true);
        expect(ignored(source), `${source} is excluded by .dockerignore (line ${copy.line})`).toBe(false);
      }
    }
  });

  it("keeps a writable directory for the audit log only, owned by the runtime user", () => {
    const run = of(final.instructions, "RUN").map((r) => r.args).join(" && ");
    expect(run).toContain("mkdir -p /var/lib/airlock");
    expect(run).toContain("chown 10001:10001 /var/lib/airlock");
    expect(of(final.instructions, "USER")[0]!.args).toBe("10001:10001");
    // No package manager is left in the runtime image.
    expect(run).toMatch(/rm -rf [^&]*\/usr\/local\/lib\/node_modules\/npm/);
  });
});

describe(".dockerignore", () => {
  it.each([
    ".env",
    ".env.production",
    "packages/signer/.env",
    "packages/signer/.env.example",
    "signer.keystore.json",
    "packages/signer/keys/prod.keystore.json",
    "examples/compose/secrets/hmac_secret",
    "examples/compose/secrets/keystore_passphrase",
    "examples/compose/secrets/signer.keystore.json",
    "tls/server.key",
    "tls/ca.pem",
    "node_modules/zod/package.json",
    "packages/core/node_modules/x/index.js",
    "packages/core/dist/index.js",
    "packages/poseidon/build/poseidon.wasm",
    "packages/signer/dist/.tsbuildinfo",
    ".git/HEAD",
    "coverage/index.html",
    "audit.jsonl",
    "var/audit-2026.jsonl",
    "test/cli/cli.test.ts",
    "packages/signer/test/config/fixtures.ts",
  ])("excludes %s", (path) => {
    expect(ignored(path)).toBe(true);
  });

  it.each(["package.json", "package-lock.json", "tsconfig.base.json", "packages/signer/src/cli.ts", "packages/poseidon/asm/poseidon.ts", "packages/signer/src/config/secret-files.ts"])(
    "lets %s through",
    (path) => {
      expect(ignored(path)).toBe(false);
    },
  );

  it("matches like Docker: a later ! line re-includes, ** spans folders", () => {
    const m = dockerignoreMatcher("**/dist\n!packages/keep/dist\n*.md\n");
    expect(m("a/b/dist/x.js")).toBe(true);
    expect(m("packages/keep/dist/x.js")).toBe(false);
    expect(m("README.md")).toBe(true);
    expect(m("docs/README.md")).toBe(false);
  });
});
