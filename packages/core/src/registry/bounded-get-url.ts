// The HTTP transport of the registry's JSON-RPC provider: one request, bounded in time and size.
import http from "node:http";
import https from "node:https";
import type { FetchGetUrlFunc, FetchRequest, GetUrlResponse } from "ethers";

/**
 * A transport failure: no answer was obtained. `reason` is fixed text (never a URL or a body).
 * ethers passes errors of its getUrl function through untouched, so the check can tell them
 * from answers it received but refused.
 */
export class RpcTransportError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(reason);
    this.name = "RpcTransportError";
    this.reason = reason;
  }
}

/**
 * A getUrl function for ethers' FetchRequest that replaces ethers' own, which bounds neither the
 * total time (its socket timeout restarts on every byte) nor the body size, and follows
 * redirects with its default transport. This one: destroys the request after `timeoutMs`
 * whatever the server does, refuses bodies over `maxBytes`, refuses redirects, never asks for
 * or decodes compressed bodies, and uses Node's default TLS verification.
 */
export function boundedGetUrl(timeoutMs: number, maxBytes: number): FetchGetUrlFunc {
  return (req: FetchRequest) =>
    new Promise<GetUrlResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const headers: Record<string, string> = { ...req.headers };
      delete headers["accept-encoding"];
      let request: http.ClientRequest;
      try {
        request = (url.protocol === "https:" ? https : http).request(url, { method: req.method, headers });
      } catch {
        return reject(new RpcTransportError("the request could not be built"));
      }
      let settled = false;
      const fail = (reason: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        reject(new RpcTransportError(reason));
      };
      const timer = setTimeout(() => fail(`no complete answer within ${timeoutMs} ms`), timeoutMs);
      request.on("error", () => fail("connection failed or closed"));
      request.on("response", (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400) return fail(`redirect (HTTP ${status}) refused`);
        const declared = Number(res.headers["content-length"] ?? "0");
        if (!(declared <= maxBytes)) return fail(`answer larger than ${maxBytes} bytes`);
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(`answer larger than ${maxBytes} bytes`);
          else chunks.push(chunk);
        });
        res.on("error", () => fail("connection closed during the answer"));
        res.on("aborted", () => fail("connection closed during the answer"));
        res.on("end", () => {
          if (!res.complete) return fail("connection closed during the answer");
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(", ") : v;
          const body = new Uint8Array(Buffer.concat(chunks));
          resolve({ statusCode: status, statusMessage: res.statusMessage ?? "", headers: flat, body });
        });
      });
      const payload = req.body;
      request.end(payload === null ? undefined : Buffer.from(payload));
    });
}
