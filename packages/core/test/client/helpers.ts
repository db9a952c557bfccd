import { AirlockClient, type AirlockClientOptions, type SessionTransactionRequest } from "@airlock/core";
import { TEST_SECRET, type FakeSidecar } from "./fake-sidecar.js";

/** A valid request: one ERC-20 transfer on Sepolia, valid for an hour. */
export function sampleRequest(overrides: Partial<SessionTransactionRequest> = {}): SessionTransactionRequest {
  return {
    accountAddress: "0x4a1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef",
    chainId: "0x534e5f5345504f4c4941",
    nonce: "0x7",
    validUntil: Math.floor(Date.now() / 1000) + 3600,
    calls: [
      {
        contractAddress: "0x49d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7",
        entrypoint: "transfer",
        calldata: ["0x123", "1000", "0x0"],
      },
    ],
    ...overrides,
  };
}

/** A client of `fake` with fast retries, closed by the caller. */
export function clientFor(fake: FakeSidecar, options: Partial<AirlockClientOptions> = {}): AirlockClient {
  return new AirlockClient({
    baseUrl: fake.url,
    hmacSecret: TEST_SECRET,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

/** The rejection of `promise` (fails the test when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection, got a value");
}
