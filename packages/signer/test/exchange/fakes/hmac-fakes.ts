/**
 * The fake HMAC venues, for tests that drive requests end to end (signer, sidecar, agent tools).
 * Each is a FakeVenueServer (start() → base URL on 127.0.0.1, url, close(), received, setClock,
 * now) plus orders(apiKey); each verifies signatures with its own node:crypto code written from
 * the venue's documentation.
 */
export { createBinanceFake, type BinanceFake, type BinanceFakeOptions } from "./binance-fake.js";
export { createBybitFake, type BybitFake } from "./bybit-fake.js";
export { createKucoinFake, type KucoinFake, type KucoinFakeOptions } from "./kucoin-fake.js";
export { createOkxFake, type OkxFake, type OkxFakeOptions } from "./okx-fake.js";
export type { FakeApiKey, FakeOrder, HmacFakeOptions } from "./hmac-fake-support.js";
export type { FakeVenueServer, ReceivedRequest } from "./evm-fake-http.js";
