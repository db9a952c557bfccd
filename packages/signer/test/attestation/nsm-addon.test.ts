// The native NSM addon (enclave/nsm-addon/nsm.c), compiled here with gcc against the Node
// headers and exercised on the paths that exist outside an enclave: a missing device, and
// /dev/null (a character device without the NSM ioctl).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AttestationSourceError } from "../../src/attestation/attestation-source.js";
import { openNsmDevice, type NsmAddon } from "../../src/attestation/nsm-device.js";
import { NSM_IOCTL_REQUEST, NSM_REQUEST_MAX_SIZE, encodeAttestationRequest } from "../../src/attestation/nsm-protocol.js";

const source = fileURLToPath(new URL("../../enclave/nsm-addon/nsm.c", import.meta.url));
const headers = "/usr/include/node";

function whyNot(): string | undefined {
  try {
    execFileSync("gcc", ["--version"], { stdio: "ignore" });
  } catch {
    return "gcc is not installed";
  }
  if (!existsSync(join(headers, "node_api.h"))) return `Node headers are missing (${headers}/node_api.h)`;
  try {
    if (!statSync("/dev/null").isCharacterDevice()) return "/dev/null is not a character device";
  } catch {
    return "/dev/null is missing";
  }
  return undefined;
}
const skipReason = whyNot();
if (skipReason !== undefined) console.warn(`SKIPPED nsm-addon tests: ${skipReason}`);

/** The Error an addon call throws: its code and message must both be the errno name, nothing else. */
function errnoOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    expect(message).toBe(code);
    return String(code);
  }
  return "NO ERROR";
}

describe.skipIf(skipReason !== undefined)("nsm.c compiled with gcc", () => {
  let dir = "";
  let addonPath = "";
  let addon: NsmAddon & { ioctlRequest: number };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "airlock-nsm-addon-"));
    addonPath = join(dir, "nsm.node");
    execFileSync("gcc", ["-shared", "-fPIC", "-std=c11", "-Wall", "-Wextra", "-Werror", `-I${headers}`, "-o", addonPath, source], { stdio: "pipe" });
    addon = createRequire(import.meta.url)(addonPath);
  });
  afterAll(() => {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  });

  it("exports open, request, close and the ioctl request code derived from the Rust definitions", () => {
    expect(Object.keys(addon).sort()).toEqual(["close", "ioctlRequest", "open", "request"]);
    expect(addon.ioctlRequest).toBe(NSM_IOCTL_REQUEST);
  });

  it("throws ENOENT for a missing device", () => {
    expect(errnoOf(() => addon.open(join(dir, "no-such-device")))).toBe("ENOENT");
  });

  it("fails the NSM ioctl on /dev/null with a clear errno (ENOTTY or EINVAL)", () => {
    const fd = addon.open("/dev/null");
    expect(Number.isInteger(fd) && fd >= 0).toBe(true);
    try {
      expect(["ENOTTY", "EINVAL"]).toContain(errnoOf(() => addon.request(fd, encodeAttestationRequest({ nonce: Uint8Array.of(1) }))));
      // Bounds and argument checks happen before any ioctl.
      expect(errnoOf(() => addon.request(fd, new Uint8Array(NSM_REQUEST_MAX_SIZE + 1)))).toBe("EMSGSIZE");
      expect(errnoOf(() => addon.request(fd, new Uint8Array(0)))).toBe("EINVAL");
      expect(errnoOf(() => addon.request(fd, new Uint16Array(4) as unknown as Uint8Array))).toBe("EINVAL");
      expect(errnoOf(() => addon.request(fd, "a1" as unknown as Uint8Array))).toBe("EINVAL");
      expect(errnoOf(() => addon.request(-1, Uint8Array.of(0xa0)))).toBe("EBADF");
      expect(errnoOf(() => addon.request("3" as unknown as number, Uint8Array.of(0xa0)))).toBe("EBADF");
      for (const bad of [Number.NaN, 1.5, 2 ** 31, Number.POSITIVE_INFINITY]) expect(errnoOf(() => addon.request(bad, Uint8Array.of(0xa0)))).toBe("EBADF");
    } finally {
      addon.close(fd);
    }
    expect(errnoOf(() => addon.close(fd))).toBe("EBADF");
  });

  it("refuses paths with a NUL byte or beyond PATH_MAX", () => {
    expect(errnoOf(() => addon.open("/dev/null\0/x"))).toBe("EINVAL");
    expect(errnoOf(() => addon.open(`/${"a".repeat(5000)}`))).toBe("ENAMETOOLONG");
    expect(errnoOf(() => addon.open(""))).toBe("ENOENT");
    expect(errnoOf(() => addon.open(7 as unknown as string))).toBe("EINVAL");
  });

  it("drives openNsmDevice end to end: /dev/null opens, the ioctl fails as NSM_ERROR", async () => {
    const src = openNsmDevice({ devicePath: "/dev/null", addonPath });
    let err: unknown;
    try {
      await src.attest({ nonce: Uint8Array.of(1, 2) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AttestationSourceError);
    expect((err as AttestationSourceError).code).toBe("NSM_ERROR");
    expect(["ENOTTY", "EINVAL"]).toContain((err as AttestationSourceError).nsmError);
    src.close();
  });
});
