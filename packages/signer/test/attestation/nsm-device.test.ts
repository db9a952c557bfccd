// NSM device source with an injected addon that plays a faithful device: it decodes the request
// with the strict decoder, checks it is exactly the NSM API's Attestation request, and answers
// with an emulator document in the NSM API's response encoding.
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { decodeStrictCbor, encodeCbor, verifyAttestationDocument, type CborMap, type CborValue } from "@airlock/core/attestation";
import { AttestationSourceError, type AttestationRequest } from "../../src/attestation/attestation-source.js";
import { DEFAULT_NSM_ADDON_PATH, openNsmDevice, type NsmAddon } from "../../src/attestation/nsm-device.js";
import { createNsmEmulator } from "../../src/attestation/nsm-emulator.js";
import { NSM_REQUEST_MAX_SIZE, NSM_RESPONSE_MAX_SIZE, encodeAttestationRequest } from "../../src/attestation/nsm-protocol.js";

const CHAR_DEVICE = "/dev/null"; // stands in for /dev/nsm: the source only checks it is a character device
const haveCharDevice = ((): boolean => {
  try {
    return statSync(CHAR_DEVICE).isCharacterDevice();
  } catch {
    return false;
  }
})();
if (!haveCharDevice) console.warn(`SKIPPED (device-path cases): ${CHAR_DEVICE} is not a character device here`);

const emu = createNsmEmulator({ production: false });
const FD = 42;

interface FakeDevice {
  addon: NsmAddon;
  requests: Uint8Array[];
  closed: number[];
  /** Replaces the device's answer for the next request. */
  next?: (req: Uint8Array) => unknown;
}

/** The NSM as the Rust definitions describe it, backed by the emulator. */
function fakeDevice(): FakeDevice {
  const dev: FakeDevice = {
    requests: [],
    closed: [],
    addon: {
      open: (path) => {
        expect(path).toBe(CHAR_DEVICE);
        return FD;
      },
      request: (fd, bytes) => {
        expect(fd).toBe(FD);
        dev.requests.push(bytes.slice());
        const override = dev.next;
        if (override !== undefined) {
          delete dev.next;
          return override(bytes) as Uint8Array;
        }
        const fail = (code: string): Uint8Array => encodeCbor(new Map([["Error", code]]));
        if (bytes.length > NSM_REQUEST_MAX_SIZE) return fail("InputTooLarge");
        const req = decodeStrictCbor(bytes);
        if (!(req instanceof Map) || req.size !== 1 || !(req.get("Attestation") instanceof Map)) return fail("InvalidArgument");
        const body = req.get("Attestation") as CborMap;
        if ([...body.keys()].join() !== "user_data,nonce,public_key") return fail("InvalidArgument");
        const field = (k: string): Uint8Array | undefined => {
          const v = body.get(k);
          if (v !== null && !(v instanceof Uint8Array)) throw new Error(`device: ${k} is neither null nor bytes`);
          return v ?? undefined;
        };
        const out: AttestationRequest = {};
        const [u, n, p] = [field("user_data"), field("nonce"), field("public_key")];
        if (u !== undefined) out.userData = u;
        if (n !== undefined) out.nonce = n;
        if (p !== undefined) out.publicKey = p;
        const document = emu.attestSync(out);
        return encodeCbor(new Map([["Attestation", new Map<string, CborValue>([["document", document]])]]));
      },
      close: (fd) => {
        dev.closed.push(fd);
      },
    },
  };
  return dev;
}

async function sourceError(p: Promise<unknown> | (() => unknown)): Promise<AttestationSourceError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(AttestationSourceError);
    return e as AttestationSourceError;
  }
  throw new Error("expected an AttestationSourceError");
}

const open = (dev: FakeDevice) => openNsmDevice({ devicePath: CHAR_DEVICE, addonPath: "/fake/nsm.node", loadAddon: () => dev.addon });
const verify = (doc: Uint8Array, nonce?: Uint8Array) =>
  verifyAttestationDocument(doc, { now: new Date(), rootFingerprintSha256: emu.rootFingerprintSha256, ...(nonce === undefined ? {} : { expectedNonce: nonce }) });

const tmp = mkdtempSync(join(tmpdir(), "airlock-nsm-device-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!haveCharDevice)("openNsmDevice with a faithful fake device", () => {
  it("sends the NSM API request and returns the document the device signed", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    expect(src.kind).toBe("nsm");
    const nonce = Uint8Array.of(1, 2, 3, 4);
    const req = { nonce, userData: Uint8Array.of(5), publicKey: Uint8Array.of(6, 7) };
    const doc = await src.attest(req);
    expect(dev.requests).toEqual([encodeAttestationRequest(req)]);
    const v = verify(doc, nonce);
    expect(v.userData).toEqual(Uint8Array.of(5));
    expect(v.publicKey).toEqual(Uint8Array.of(6, 7));
    const bare = verify(await src.attest({}));
    expect(bare.nonce).toBeUndefined();
  });

  it("serialises concurrent calls in call order, each answered with its own nonce", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    const nonces = Array.from({ length: 5 }, (_, i) => Uint8Array.of(i, i, i));
    const docs = await Promise.all(nonces.map((nonce) => src.attest({ nonce })));
    docs.forEach((doc, i) => expect(verify(doc, nonces[i]).nonce).toEqual(nonces[i]));
    expect(dev.requests).toEqual(nonces.map((nonce) => encodeAttestationRequest({ nonce })));
  });

  it("reports an NSM error answer as NSM_ERROR and keeps working afterwards", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    dev.next = () => encodeCbor(new Map([["Error", "InvalidArgument"]]));
    const failed = src.attest({});
    const after = src.attest({ nonce: Uint8Array.of(9) });
    const e = await sourceError(failed);
    expect(e.code).toBe("NSM_ERROR");
    expect(e.nsmError).toBe("InvalidArgument");
    expect(verify(await after, Uint8Array.of(9)).nonce).toEqual(Uint8Array.of(9));
  });

  it("reports a failed ioctl by errno name only", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    dev.next = () => {
      throw Object.assign(new Error("EMSGSIZE"), { code: "EMSGSIZE" });
    };
    const e = await sourceError(src.attest({}));
    expect([e.code, e.nsmError]).toEqual(["NSM_ERROR", "EMSGSIZE"]);
    dev.next = () => {
      throw new Error("device said: key=SECRETVALUE");
    };
    const e2 = await sourceError(src.attest({}));
    expect(e2.nsmError).toBe("EUNKNOWN");
    expect(e2.message).not.toContain("SECRETVALUE");
  });

  it("refuses responses that are not bounded NSM answers (NSM_PROTOCOL)", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    for (const answer of [new Uint8Array(NSM_RESPONSE_MAX_SIZE + 1), "text", Uint8Array.of(0xa0), encodeCbor(new Map([["Attestation", new Map([["document", "x"]])]]))]) {
      dev.next = () => answer;
      expect((await sourceError(src.attest({}))).code).toBe("NSM_PROTOCOL");
    }
  });

  it("validates the request before it reaches the device", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    expect((await sourceError(src.attest({ nonce: new Uint8Array(513) }))).code).toBe("REQUEST_INVALID");
    expect((await sourceError(src.attest({ publicKey: new Uint8Array(1025) }))).code).toBe("REQUEST_INVALID");
    expect(dev.requests).toEqual([]);
  });

  it("closes the descriptor once; later calls fail with NSM_UNAVAILABLE", async () => {
    const dev = fakeDevice();
    const src = open(dev);
    const pending = src.attest({});
    src.close();
    src.close();
    expect(dev.closed).toEqual([FD]);
    expect((await sourceError(pending)).code).toBe("NSM_UNAVAILABLE");
    expect((await sourceError(src.attest({}))).code).toBe("NSM_UNAVAILABLE");
  });

  it("maps a failed open to NSM_UNAVAILABLE with the errno name", async () => {
    const dev = fakeDevice();
    dev.addon.open = () => {
      throw Object.assign(new Error("EACCES"), { code: "EACCES" });
    };
    const e = await sourceError(() => open(dev));
    expect(e.code).toBe("NSM_UNAVAILABLE");
    expect(e.message).toContain("(EACCES)");
    dev.addon.open = () => -1;
    expect((await sourceError(() => open(dev))).code).toBe("NSM_UNAVAILABLE");
  });
});

describe("openNsmDevice outside an enclave", () => {
  it("refuses a missing device path with NSM_UNAVAILABLE and says what to do", async () => {
    let loaded = false;
    const e = await sourceError(() =>
      openNsmDevice({
        devicePath: join(tmp, "no-such-nsm"),
        loadAddon: () => {
          loaded = true;
          return {};
        },
      }),
    );
    expect(e.code).toBe("NSM_UNAVAILABLE");
    expect(e.message).toMatch(/only works inside an AWS Nitro Enclave/);
    expect(e.message).toMatch(/AIRLOCK_ATTESTATION_SOURCE=emulator/);
    expect(loaded).toBe(false);
  });

  it("refuses a path that is not a character device", async () => {
    const file = join(tmp, "regular-file");
    writeFileSync(file, "not a device");
    for (const devicePath of [file, tmp]) {
      const e = await sourceError(() => openNsmDevice({ devicePath, loadAddon: () => fakeDevice().addon }));
      expect(e.code).toBe("NSM_UNAVAILABLE");
      expect(e.message).toMatch(/not a character device/);
    }
  });

  it.skipIf(!haveCharDevice)("refuses a missing or wrong addon with NSM_ADDON_MISSING and says how to build it", async () => {
    const missing = await sourceError(() => openNsmDevice({ devicePath: CHAR_DEVICE, addonPath: join(tmp, "nope", "nsm.node") }));
    expect(missing.code).toBe("NSM_ADDON_MISSING");
    expect(missing.message).toMatch(/node-gyp rebuild/);
    expect(missing.message).toMatch(/enclave\/nsm-addon/);
    for (const mod of [{}, { open: () => 1, request: "x", close: () => undefined }, null, 42]) {
      const e = await sourceError(() => openNsmDevice({ devicePath: CHAR_DEVICE, loadAddon: () => mod }));
      expect(e.code).toBe("NSM_ADDON_MISSING");
    }
  });

  it.skipIf(!haveCharDevice)("looks for the addon where node-gyp builds it", async () => {
    expect(DEFAULT_NSM_ADDON_PATH).toMatch(/packages\/signer\/enclave\/nsm-addon\/build\/Release\/nsm\.node$/);
    let asked = "";
    await sourceError(() =>
      openNsmDevice({
        devicePath: CHAR_DEVICE,
        loadAddon: (p) => {
          asked = p;
          throw new Error("not built");
        },
      }),
    );
    expect(asked).toBe(DEFAULT_NSM_ADDON_PATH);
  });
});
