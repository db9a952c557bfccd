// Test chain: ganache 7.9.2 in-process, three unlocked accounts, a freshly deployed registry.
import ganache from "ganache";
import { BrowserProvider, Contract, hexlify, isError, type JsonRpcSigner, type Log, type LogDescription } from "ethers";
import { deployRegistry } from "@airlock/registry";

export interface TestChain {
  provider: BrowserProvider;
  /** Three funded accounts: [owner, other, attacker] in most tests. */
  signers: JsonRpcSigner[];
  /** The registry, connected to signers[0]. */
  registry: Contract;
  /** The registry as `signer` sees it. */
  as(signer: JsonRpcSigner): Contract;
  close(): Promise<void>;
}

/** A fresh in-process chain with the registry deployed by account 0. */
export async function startChain(): Promise<TestChain> {
  const eth = ganache.provider({
    logging: { quiet: true },
    chain: { hardfork: "shanghai" },
    wallet: { deterministic: true, totalAccounts: 3 },
  });
  const provider = new BrowserProvider(eth as never);
  const signers = await Promise.all([0, 1, 2].map((i) => provider.getSigner(i)));
  const registry = await deployRegistry(signers[0]!);
  return {
    provider,
    signers,
    registry,
    as: (signer) => registry.connect(signer) as Contract,
    close: () => eth.disconnect(),
  };
}

/** A 48-byte PCR0 whose bytes are all `b` (0..255), as 0x hex. */
export const pcr0 = (b: number, length = 48): string => hexlify(new Uint8Array(length).fill(b));

/** Explicit gas, so a reverting transaction is mined (status 0) instead of failing estimation. */
const GAS_LIMIT = 2_000_000n;

export const BUILD_HASH = `0x${"11".repeat(32)}`;

/**
 * The custom error a call would revert with, read from an eth_call from the caller's account;
 * then the real transaction is sent and must fail too (no state change can slip through).
 */
export async function expectRevert(contract: Contract, method: string, args: unknown[], errorName: string): Promise<void> {
  const fn = contract.getFunction(method);
  let name: string | undefined;
  try {
    await fn.staticCall(...args);
  } catch (e) {
    if (!isError(e, "CALL_EXCEPTION")) throw e;
    name = e.revert?.name;
  }
  if (name !== errorName) throw new Error(`${method} reverted with ${name ?? "nothing"}, expected ${errorName}`);
  let sent = false;
  try {
    await (await fn.send(...args, { gasLimit: GAS_LIMIT })).wait();
    sent = true;
  } catch (e) {
    if (!isError(e, "CALL_EXCEPTION")) throw e;
  }
  if (sent) throw new Error(`${method} transaction succeeded although its call reverts`);
}

/** Sends a transaction; returns its logs parsed with the registry ABI and its block's timestamp. */
export async function sendAndParse(
  contract: Contract,
  method: string,
  args: unknown[],
): Promise<{ events: LogDescription[]; timestamp: bigint }> {
  const receipt = await (await contract.getFunction(method).send(...args, { gasLimit: GAS_LIMIT })).wait();
  if (receipt === null || receipt.status !== 1) throw new Error(`${method} failed`);
  const block = await receipt.getBlock();
  const events = receipt.logs.map((log: Log) => {
    const parsed = contract.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed === null) throw new Error("a log the registry ABI does not know");
    return parsed;
  });
  return { events, timestamp: BigInt(block.timestamp) };
}

/** A record as plain values: [pcr0, registeredAt, deprecatedAt, buildHash, description]. */
export interface PlainRecord {
  pcr0: string;
  registeredAt: bigint;
  deprecatedAt: bigint;
  buildHash: string;
  description: string;
}

export function plainRecord(r: unknown): PlainRecord {
  const [p, registeredAt, deprecatedAt, buildHash, description] = r as [string, bigint, bigint, string, string];
  return { pcr0: p, registeredAt, deprecatedAt, buildHash, description };
}

/** getOwnerHistory as plain records. */
export async function history(registry: Contract, owner: string): Promise<PlainRecord[]> {
  return ((await registry.getFunction("getOwnerHistory")(owner)) as unknown[]).map(plainRecord);
}
