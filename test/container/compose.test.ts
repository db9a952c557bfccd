import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { describe, expect, it } from "vitest";
import {
  COMPOSE_DIR,
  COMPOSE_FILE,
  DOCKERFILE,
  PLAIN_SECRET_VARIABLES,
  REPO,
  environmentOf,
  execForm,
  networkNamesOf,
  parseCompose,
  parseDockerfile,
  secretNamesOf,
  volumesOf,
  type ComposeFile,
} from "./container-files.js";

const SECRET_FILES = ["hmac_secret", "keystore_passphrase", "signer.keystore.json"];

/** docker-compose (v1, Debian's package) validates and normalises a file without a Docker engine. */
function dockerCompose(): { found: boolean; version: string } {
  const r = spawnSync("docker-compose", ["version", "--short"], { encoding: "utf8" });
  return r.error || r.status !== 0 ? { found: false, version: "" } : { found: true, version: r.stdout.trim() };
}

const compose = dockerCompose();
const MISSING = "docker-compose is not installed: the docker-compose validation of examples/compose is SKIPPED (apt-get install docker-compose)";
if (!compose.found) {
  if (process.env.AIRLOCK_REQUIRE_DOCKER_COMPOSE === "1") {
    describe("docker-compose", () => {
      it("is installed (AIRLOCK_REQUIRE_DOCKER_COMPOSE=1)", () => {
        throw new Error(`${MISSING}; AIRLOCK_REQUIRE_DOCKER_COMPOSE=1 makes this a failure`);
      });
    });
  } else {
    console.warn(`\n*** WARNING: ${MISSING} ***\n`);
  }
}

/**
 * `docker-compose config` on the example with dummy secrets in a temp folder (AIRLOCK_SECRETS_DIR),
 * an empty env file and a clean environment, so nothing on this machine changes the result.
 */
function normalised(): { status: number | null; stdout: string; stderr: string; secretsDir: string } {
  const secretsDir = mkdtempSync(join(tmpdir(), "airlock-compose-secrets-"));
  for (const name of SECRET_FILES) writeFileSync(join(secretsDir, name), "dummy\n", { mode: 0o600 });
  const envFile = join(secretsDir, "empty.env");
  writeFileSync(envFile, "");
  const r = spawnSync("docker-compose", ["--env-file", envFile, "-f", COMPOSE_FILE, "config"], {
    encoding: "utf8",
    cwd: COMPOSE_DIR,
    env: { PATH: process.env.PATH ?? "", AIRLOCK_SECRETS_DIR: secretsDir },
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, secretsDir };
}

describe.skipIf(!compose.found)(`docker-compose ${compose.version} config of examples/compose/docker-compose.yml`, () => {
  const run = compose.found ? normalised() : undefined;
  const file: ComposeFile = run && run.status === 0 ? parseCompose(run.stdout) : { services: {} };
  const signer = file.services.signer ?? {};
  const redis = file.services.redis ?? {};
  const agent = file.services.agent ?? {};

  it("validates (exit 0)", () => {
    expect(run?.stderr).toBe("");
    expect(run?.status).toBe(0);
    expect(Object.keys(file.services).sort()).toEqual(["agent", "redis", "signer"]);
  });

  it("publishes no port on the host, for any service", () => {
    for (const [name, service] of Object.entries(file.services)) expect(service.ports, name).toBeUndefined();
    // The loopback-only override is there, commented out.
    expect(readFileSync(COMPOSE_FILE, "utf8")).toMatch(/^\s*#\s*-\s*"127\.0\.0\.1:8545:8545"$/m);
  });

  it("hardens every service: read-only root, non-root user, no capabilities, no new privileges", () => {
    for (const [name, service] of Object.entries(file.services)) {
      expect(service.read_only, name).toBe(true);
      expect(service.user, name).toMatch(/^[1-9]\d*:[1-9]\d*$/);
      expect(service.cap_drop, name).toEqual(["ALL"]);
      expect(service.security_opt, name).toContain("no-new-privileges:true");
    }
    expect(signer.tmpfs).toEqual([expect.stringMatching(/^\/tmp:.*\bnoexec\b/)]);
  });

  it("builds the signer from packages/signer/Dockerfile with the repository root as context, as the image's user", () => {
    expect(signer.build).toEqual({ context: REPO.replace(/\/$/, ""), dockerfile: "packages/signer/Dockerfile" });
    const final = parseDockerfile(readFileSync(DOCKERFILE, "utf8")).stages.at(-1)!;
    expect(signer.user).toBe(final.instructions.find((i) => i.keyword === "USER")?.args);
  });

  it("mounts the HMAC secret, the keystore and its passphrase as compose secrets, passed through *_FILE variables", () => {
    expect(secretNamesOf(signer).sort()).toEqual(["airlock_hmac_secret", "airlock_keystore", "airlock_keystore_passphrase"]);
    for (const name of SECRET_FILES) {
      expect(Object.values(file.secrets ?? {}).map((s) => s.file)).toContain(join(run!.secretsDir, name));
    }
    const env = environmentOf(signer);
    expect(env.KEYRING_HMAC_SECRET_FILE).toBe("/run/secrets/airlock_hmac_secret");
    expect(env.KEYRING_KEYSTORE_PATH).toBe("/run/secrets/airlock_keystore");
    expect(env.KEYRING_KEYSTORE_PASSPHRASE_FILE).toBe("/run/secrets/airlock_keystore_passphrase");
    // No secret value in any environment.
    for (const service of Object.values(file.services)) {
      for (const name of [...PLAIN_SECRET_VARIABLES, "AIRLOCK_HMAC_SECRET"]) expect(environmentOf(service)).not.toHaveProperty(name);
    }
  });

  it("uses Redis for replay and rate limits, with the leak scanner on, and names only variables the signer reads", () => {
    const env = environmentOf(signer);
    expect(env).toMatchObject({
      HOST: "0.0.0.0",
      KEYRING_REPLAY_STORE: "redis",
      KEYRING_REDIS_URL: "redis://redis:6379",
      KEYRING_RATE_LIMIT_ENABLED: "true",
      KEYRING_RATE_LIMIT_BACKEND: "redis",
      KEYRING_LEAK_SCANNER_ENABLED: "true",
      KEYRING_LEAK_SCANNER_ACTION: "block",
    });
    // .env.example names every variable the loader reads (its own test checks that): a name
    // missing from it is a typo the signer would silently ignore.
    const known = parseEnv(readFileSync(join(REPO, "packages/signer/.env.example"), "utf8"));
    expect(Object.keys(env).filter((k) => !(k in known))).toEqual([]);
  });

  it("has health checks: the signer's is the image's, Redis's is redis-cli ping; start order follows them", () => {
    const final = parseDockerfile(readFileSync(DOCKERFILE, "utf8")).stages.at(-1)!;
    const imageCheck = /CMD\s+(\[.*\])$/.exec(final.instructions.find((i) => i.keyword === "HEALTHCHECK")!.args)![1]!;
    expect(signer.healthcheck?.test).toEqual(["CMD", ...execForm(imageCheck)!]);
    expect(redis.healthcheck?.test).toEqual(["CMD-SHELL", "redis-cli ping | grep -q PONG"]);
    expect(signer.depends_on).toEqual({ redis: { condition: "service_healthy" } });
    expect(agent.depends_on).toEqual({ signer: { condition: "service_healthy" } });
  });

  it("keeps Redis on the backend network only, with its data on a volume and eviction off", () => {
    expect(redis.image).toBe("redis:7-alpine");
    expect(networkNamesOf(redis)).toEqual(["backend"]);
    expect(volumesOf(redis)).toEqual([{ source: "redis-data", target: "/data", readOnly: false }]);
    expect(redis.command).toEqual(expect.arrayContaining(["--appendonly", "yes", "--maxmemory-policy", "noeviction"]));
  });

  it("lets the agent reach the signer over the internal frontend network only, never Redis or the secrets folder", () => {
    expect(environmentOf(agent).AIRLOCK_URL).toBe("http://signer:8545");
    expect(networkNamesOf(agent).sort()).toEqual(["egress", "frontend"]);
    expect(networkNamesOf(signer).sort()).toEqual(["backend", "frontend"]);
    expect(file.networks?.backend?.internal).toBe(true);
    expect(file.networks?.frontend?.internal).toBe(true);
    expect(secretNamesOf(agent)).toEqual(["airlock_hmac_secret"]);
    const mounts = volumesOf(agent);
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) {
      expect(m.readOnly, m.source).toBe(true);
      expect(m.source, "never the whole checkout").not.toBe(REPO.replace(/\/$/, ""));
      expect(m.source).not.toContain("secrets");
    }
    // The example script it runs is mounted.
    const script = (agent.command as string[]).join(" ").match(/examples\/langchain-agent\/agent\.mjs/);
    expect(script).not.toBeNull();
    expect(mounts.map((m) => m.target)).toContain("/repo/examples/langchain-agent");
  });

  it("writes the audit log to a named volume at the image's audit directory", () => {
    expect(environmentOf(signer).KEYRING_AUDIT_LOG_FILE).toBe("/var/lib/airlock/audit.jsonl");
    expect(volumesOf(signer)).toContainEqual({ source: "audit", target: "/var/lib/airlock", readOnly: false });
    expect(file.volumes).toHaveProperty("audit");
  });
});
