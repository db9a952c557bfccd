import { encodeShortString, HEX_FELT_PATTERN } from "@airlock/core/starknet";

const HEX_TOKEN = /0x[0-9a-fA-F]{1,64}/g;
const CHAIN_NAME = /\bSN_[A-Za-z0-9_]{1,28}\b/g;
const MAX_TOKENS = 512;

/**
 * Checks that a value the model extracted was written in the user's message, so a model that
 * "helpfully" fills in an account, a chain or a nonce is caught: such a value is dropped and the
 * agent asks for it instead of using a guess.
 */
export class MessageGrounding {
  readonly #felts = new Set<bigint>();
  readonly #text: string;

  constructor(text: string) {
    this.#text = text.toLowerCase();
    let n = 0;
    for (const m of text.matchAll(HEX_TOKEN)) {
      if (++n > MAX_TOKENS) break;
      this.#felts.add(BigInt(m[0]));
    }
    for (const m of text.matchAll(CHAIN_NAME)) {
      if (++n > MAX_TOKENS) break;
      this.#felts.add(encodeShortString(m[0].toUpperCase()));
    }
    // Network names people write instead of the chain id.
    if (/\bsepolia\b/i.test(text)) this.#felts.add(encodeShortString("SN_SEPOLIA"));
    if (/\bmainnet\b/i.test(text)) this.#felts.add(encodeShortString("SN_MAIN"));
  }

  /** A 0x-hex felt the message states (any spelling: case, leading zeros), or a named chain. */
  hasFelt(value: string): boolean {
    return HEX_FELT_PATTERN.test(value) && this.#felts.has(BigInt(value));
  }

  /** A value the message contains literally (case-insensitive). */
  hasLiteral(value: string): boolean {
    return value.length > 0 && this.#text.includes(value.toLowerCase());
  }
}
