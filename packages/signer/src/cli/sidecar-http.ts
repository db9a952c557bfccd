// A minimal, bounded HTTP(S) client for operator commands that talk to a sidecar without HMAC
// (attestation, sealed provisioning): one request per connection, no redirects, a deadline and
// a cap on the answer's size. TLS options cover a private CA and mTLS (production sidecars
// require client certificates).
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest } from "node:https";

/** Largest answer read (an attestation answer is ~22 KB). */
export const MAX_ANSWER_BYTES = 256 * 1024;

export interface SidecarTls {
  /** PEM CA bundle to trust instead of the system roots. */
  readonly ca?: string;
  /** Client certificate and key (PEM) for mTLS. */
  readonly cert?: string;
  readonly key?: string;
}

export interface SidecarAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A transport failure (connection, deadline, oversized answer); `message` names no secret. */
export class SidecarHttpError extends Error {
  override readonly name = "SidecarHttpError";
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The sidecar origin from --url: http(s), no credentials, path, query or fragment; http only on
 * a loopback host (elsewhere the answers travel unprotected; the upload itself is sealed).
 */
export function parseSidecarOrigin(text: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.username !== "" || url.password !== "" || url.pathname !== "/" || url.search !== "" || url.hash !== "") return undefined;
  if (url.protocol === "https:") return url;
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return url;
  return undefined;
}

/** Sends one request and reads the whole answer, bounded in time and size. */
export function sidecarRequest(
  origin: URL,
  req: { method: "GET" | "POST"; path: string; body?: Buffer; contentType?: string },
  opts: { timeoutMs: number; tls?: SidecarTls },
): Promise<SidecarAnswer> {
  const send = origin.protocol === "https:" ? httpsRequest : httpRequest;
  const headers: Record<string, string> = { accept: "application/json" };
  if (req.body !== undefined) {
    headers["content-type"] = req.contentType ?? "application/json";
    headers["content-length"] = String(req.body.length);
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      r.destroy();
      reject(new SidecarHttpError(message));
    };
    const timer = setTimeout(() => fail(`no answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
    const r = send(
      {
        protocol: origin.protocol,
        hostname: origin.hostname.replace(/^\[|\]$/g, ""),
        port: origin.port === "" ? undefined : Number(origin.port),
        method: req.method,
        path: req.path,
        headers,
        agent: false,
        ...(opts.tls?.ca === undefined ? {} : { ca: opts.tls.ca }),
        ...(opts.tls?.cert === undefined ? {} : { cert: opts.tls.cert }),
        ...(opts.tls?.key === undefined ? {} : { key: opts.tls.key }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) return fail(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`);
          chunks.push(chunk);
        });
        res.on("end", () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on("error", () => fail("the answer was cut off"));
      },
    );
    // The error's code (ECONNREFUSED, CERT_HAS_EXPIRED…) tells the operator what to fix and quotes nothing.
    r.on("error", (err) => {
      const code = (err as { code?: unknown }).code;
      fail(`the request failed (${typeof code === "string" && /^[A-Z0-9_]{1,48}$/.test(code) ? code : "connection error"})`);
    });
    r.end(req.body);
  });
}
