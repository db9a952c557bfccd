import { Venue } from "@airlock/core";

/**
 * Keeps only the exchange fields a model extracted that the user's message actually states,
 * so a model that fills in a symbol, a size, a price, an account or a venue is caught: the
 * value is dropped and the agent asks for it instead of trading on a guess. Values are matched
 * as whole tokens (case-insensitive): "1" is not found in "10", "BTC" not in "BTCUSDT".
 */

const TOKEN_CHAR = "[A-Za-z0-9._-]";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Words that state each enumerated value. */
const WORDS: Readonly<Record<string, RegExp>> = {
  buy: /\b(buy|long|bid)\b/i,
  sell: /\b(sell|short|ask)\b/i,
  market: /\bmarket\b/i,
  limit: /\blimit\b/i,
  GTC: /\b(gtc|good[ -]til+[ -]cancel+ed)\b/i,
  IOC: /\b(ioc|immediate[ -]or[ -]cancel)\b/i,
  FOK: /\b(fok|fill[ -]or[ -]kill)\b/i,
  POST_ONLY: /\bpost[ _-]?only\b/i,
  balances: /\bbalances?\b/i,
  positions: /\bpositions?\b/i,
  open_orders: /\b(open|active|resting) orders?\b/i,
  account: /\baccount\b/i,
};

export class ExchangeGrounding {
  readonly #text: string;
  /** The text with spaces and dashes as underscores, to find venue names (binance futures → binance_futures). */
  readonly #joined: string;

  constructor(text: string) {
    this.#text = text;
    this.#joined = text.toLowerCase().replace(/[\s-]+/g, "_");
  }

  /** The value (a symbol, a number, an id) is written in the message as a whole token. */
  hasToken(value: string | number): boolean {
    const text = String(value);
    if (text === "" || text.length > 64) return false;
    // A full stop may end the sentence after the token; a dot and a digit continue a number.
    return new RegExp(`(?<!${TOKEN_CHAR})${escape(text)}(?![A-Za-z0-9_-]|\\.\\d)`, "i").test(this.#text);
  }

  /** The message says this enumerated value in words (side, order type, time in force, read). */
  says(value: string): boolean {
    return WORDS[value]?.test(this.#text) ?? false;
  }

  /** The message names this venue. */
  namesVenue(value: string): boolean {
    if (!Venue.safeParse(value).success) return false;
    return new RegExp(`(?<![a-z0-9])${escape(value)}(?![a-z0-9]|_futures)`).test(this.#joined);
  }

  /** The message asks for something explicitly by a phrase ("reduce only", "dry run", "all"). */
  mentions(phrase: "reduce_only" | "dry_run" | "all"): boolean {
    if (phrase === "all") return /\ball\b/i.test(this.#text);
    return new RegExp(`\\b${phrase.replace("_", "[ _-]?")}\\b`, "i").test(this.#text);
  }
}
