// The attestation documents this sidecar handed out recently, by SHA-256. A sealed upload must
// name one of them (so the operator's ciphertext is bound to a document this very process
// issued) and uses it up, so the same upload cannot be replayed.
import { createHash } from "node:crypto";

export class IssuedAttestations {
  readonly #issued = new Map<string, number>();

  constructor(
    private readonly capacity = 64,
    private readonly ttlMs = 10 * 60_000,
  ) {}

  /** Remembers a document; the oldest is forgotten beyond capacity. Returns its SHA-256 hex. */
  add(document: Uint8Array, nowMs: number): string {
    const hash = createHash("sha256").update(document).digest("hex");
    this.#sweep(nowMs);
    this.#issued.set(hash, nowMs);
    while (this.#issued.size > this.capacity) this.#issued.delete(this.#issued.keys().next().value as string);
    return hash;
  }

  /** True once for a document issued within the TTL; it is forgotten either way. */
  consume(hash: string, nowMs: number): boolean {
    const at = this.#issued.get(hash);
    this.#issued.delete(hash);
    return at !== undefined && nowMs - at <= this.ttlMs;
  }

  #sweep(nowMs: number): void {
    for (const [hash, at] of this.#issued) {
      if (nowMs - at <= this.ttlMs) break;
      this.#issued.delete(hash);
    }
  }
}
