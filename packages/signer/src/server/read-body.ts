import type { IncomingMessage } from "node:http";
import { HttpError } from "./http-error.js";

/**
 * Reads the raw body, refusing (413) as soon as it would exceed `limit` bytes, whether the
 * client announced the length or not. The raw bytes are what the HMAC covers.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && !/^\d{1,12}$/.test(declared)) {
    return Promise.reject(new HttpError("INVALID_PAYLOAD", "invalid content-length"));
  }
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(new HttpError("BODY_TOO_LARGE"));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (err: HttpError | undefined, body?: Buffer) => {
      if (done) return;
      done = true;
      req.off("data", onData);
      // On error, stop reading; the caller answers with `connection: close`.
      if (err) reject(err);
      else resolve(body!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(new HttpError("BODY_TOO_LARGE"));
      chunks.push(chunk);
    };
    req.on("data", onData);
    req.once("end", () => finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // A body that breaks HTTP framing (bad chunking) or a client that went away is no request
    // to decide on: answered (when still possible) as a framing error, like Node's parser errors.
    req.once("error", () => finish(new HttpError("MALFORMED_REQUEST", "request body could not be read")));
    req.once("aborted", () => finish(new HttpError("MALFORMED_REQUEST", "request body aborted")));
  });
}
