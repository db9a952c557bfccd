import type { Dispatcher } from "undici";

/** Largest response body the client reads; anything bigger is refused unread. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Reads a response body of at most `max` bytes (MAX_RESPONSE_BYTES by default), refusing early
 * on a larger declared length and stopping as soon as the bytes exceed it (the rest is never
 * buffered). `tooLarge` makes the caller's own error: the sidecar's, a venue's and KMS's
 * answers fail differently.
 */
export async function readBoundedBytes(
  body: Dispatcher.ResponseData["body"],
  headers: Record<string, string | string[] | undefined>,
  tooLarge: () => Error,
  max: number = MAX_RESPONSE_BYTES,
): Promise<Buffer> {
  const declared = headers["content-length"];
  if (typeof declared === "string" && /^\d+$/.test(declared) && Number(declared) > max) {
    body.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) {
      body.destroy();
      throw tooLarge();
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks, size);
}
