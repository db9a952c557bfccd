// Attestation source backed by the Nitro Secure Module device (/dev/nsm inside an enclave),
// reached through the small native addon in packages/signer/enclave/nsm-addon.
import { statSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { AttestationSourceError, type AttestationRequest, type AttestationSource } from "./attestation-source.js";
import { NSM_RESPONSE_MAX_SIZE, decodeAttestationResponse, encodeAttestationRequest } from "./nsm-protocol.js";

/** What the native addon exports (packages/signer/enclave/nsm-addon/nsm.c). */
export interface NsmAddon {
  /** open(path, O_RDWR | O_CLOEXEC); throws an Error whose code/message is the errno name. */
  open(path: string): number;
  /** One NSM ioctl round trip: CBOR request in, CBOR response out. Throws errno-named Errors. */
  request(fd: number, request: Uint8Array): Uint8Array;
  close(fd: number): void;
}

/** Options of {@link openNsmDevice}. */
export interface OpenNsmDeviceOptions {
  /** The NSM character device (default /dev/nsm). */
  devicePath?: string;
  /** Path of the compiled addon (default: enclave/nsm-addon/build/Release/nsm.node in this package). */
  addonPath?: string;
  /** Loads the addon (default: Node's require); tests inject a fake device here. */
  loadAddon?: (path: string) => unknown;
}

/** An attestation source holding an open NSM file descriptor. */
export interface NsmDeviceSource extends AttestationSource {
  readonly kind: "nsm";
  /** Closes the device; later attest calls fail with NSM_UNAVAILABLE. */
  close(): void;
}

/** Where `node-gyp rebuild` in packages/signer/enclave/nsm-addon puts the addon (same from src/ and dist/). */
export const DEFAULT_NSM_ADDON_PATH = fileURLToPath(new URL("../../enclave/nsm-addon/build/Release/nsm.node", import.meta.url));

const BUILD_HINT = "build it inside the enclave image with `npx node-gyp rebuild` in packages/signer/enclave/nsm-addon (see its README.md)";

/** The errno name an addon error carries (never any other text from it). */
function errnoName(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^E[A-Z0-9]{1,20}$/.test(code)) return code;
  const msg = (e as { message?: unknown } | null)?.message;
  return typeof msg === "string" && /^E[A-Z0-9]{1,20}$/.test(msg) ? msg : "EUNKNOWN";
}

function loadNsmAddon(path: string, load: (p: string) => unknown): NsmAddon {
  let mod: unknown;
  try {
    mod = load(path);
  } catch {
    throw new AttestationSourceError("NSM_ADDON_MISSING", `the native NSM addon could not be loaded from ${path}: ${BUILD_HINT}`);
  }
  const m = mod as Partial<Record<keyof NsmAddon, unknown>> | null;
  if (m === null || typeof m !== "object" || typeof m.open !== "function" || typeof m.request !== "function" || typeof m.close !== "function")
    throw new AttestationSourceError("NSM_ADDON_MISSING", `${path} is not the NSM addon (it must export open, request and close): ${BUILD_HINT}`);
  return m as NsmAddon;
}

/**
 * Opens the NSM device. Throws AttestationSourceError NSM_UNAVAILABLE when `devicePath` is not
 * a character device that can be opened (not inside a Nitro Enclave), NSM_ADDON_MISSING when the
 * native addon is not built. Requests are serialised: one ioctl at a time, in call order.
 */
export function openNsmDevice(opts: OpenNsmDeviceOptions = {}): NsmDeviceSource {
  const devicePath = opts.devicePath ?? "/dev/nsm";
  const unavailable = (why: string): never => {
    throw new AttestationSourceError(
      "NSM_UNAVAILABLE",
      `${devicePath} ${why}: the nsm attestation source only works inside an AWS Nitro Enclave; for development use AIRLOCK_ATTESTATION_SOURCE=emulator`,
    );
  };
  let isCharDevice = false;
  try {
    isCharDevice = statSync(devicePath).isCharacterDevice();
  } catch (e) {
    unavailable(`cannot be found (${errnoName(e)})`);
  }
  if (!isCharDevice) unavailable("is not a character device");

  const addon = loadNsmAddon(opts.addonPath ?? DEFAULT_NSM_ADDON_PATH, opts.loadAddon ?? createRequire(import.meta.url));
  let fd: number | undefined;
  try {
    fd = addon.open(devicePath);
  } catch (e) {
    unavailable(`cannot be opened (${errnoName(e)})`);
  }
  if (typeof fd !== "number" || !Number.isSafeInteger(fd) || fd < 0) return unavailable("returned no file descriptor");

  let open = true;
  let queue: Promise<unknown> = Promise.resolve();

  const roundTrip = (request: Uint8Array): Uint8Array => {
    if (!open) throw new AttestationSourceError("NSM_UNAVAILABLE", `${devicePath} was closed by this process; open the device again`);
    let response: unknown;
    try {
      response = addon.request(fd as number, request);
    } catch (e) {
      const name = errnoName(e);
      throw new AttestationSourceError("NSM_ERROR", `the NSM ioctl failed (${name})`, name);
    }
    if (!(response instanceof Uint8Array) || response.length > NSM_RESPONSE_MAX_SIZE)
      throw new AttestationSourceError("NSM_PROTOCOL", "invalid NSM response: the addon returned no bounded byte array");
    return decodeAttestationResponse(response);
  };

  return {
    kind: "nsm",
    attest(req: AttestationRequest): Promise<Uint8Array> {
      let request: Uint8Array;
      try {
        request = encodeAttestationRequest(req);
      } catch (e) {
        return Promise.reject(e);
      }
      const run = queue.then(() => roundTrip(request));
      queue = run.catch(() => undefined); // a failed call must not block the ones after it
      return run;
    },
    close(): void {
      if (!open) return;
      open = false;
      // Calls still queued fail with NSM_UNAVAILABLE; the descriptor goes now.
      try {
        addon.close(fd as number);
      } catch (e) {
        const name = errnoName(e);
        throw new AttestationSourceError("NSM_ERROR", `closing ${devicePath} failed (${name})`, name);
      }
    },
  };
}
