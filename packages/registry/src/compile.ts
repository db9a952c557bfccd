// Compiles the registry with solc-js (the npm package: a WebAssembly build, no download).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { InterfaceAbi } from "ethers";

/** Name of the contract, and of its file under contracts/. */
export const REGISTRY_CONTRACT_NAME = "AirlockPcr0Registry";

/**
 * Compiler settings of every build. evmVersion "shanghai" is the newest hardfork ganache 7.9.2
 * runs (no PUSH0 problem there; cancun opcodes would be refused); every chain that matters
 * accepts shanghai bytecode.
 */
export const SOLC_SETTINGS = {
  evmVersion: "shanghai",
  optimizer: { enabled: true, runs: 200 },
  outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
} as const;

/** The compiled registry. */
export interface CompiledContract {
  abi: InterfaceAbi;
  /** Creation bytecode, 0x-prefixed. */
  bytecode: string;
  /**
   * Runtime bytecode, 0x-prefixed: what `eth_getCode` returns for a deployment of this build
   * (the registry has no immutables), so an operator can check a deployed address.
   */
  deployedBytecode: string;
}

/** Thrown when solc reports an error or a warning; the message lists solc's own messages. */
export class SolidityCompileError extends Error {
  readonly messages: readonly string[];
  constructor(messages: readonly string[]) {
    super(`solc failed:\n${messages.join("\n")}`);
    this.name = "SolidityCompileError";
    this.messages = messages;
  }
}

interface Solc {
  version(): string;
  compile(input: string): string;
}

interface SolcDiagnostic {
  severity: "error" | "warning" | "info";
  formattedMessage?: string;
  message: string;
}

interface SolcOutput {
  errors?: SolcDiagnostic[];
  contracts?: Record<
    string,
    Record<string, { abi: InterfaceAbi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

let solc: Solc | undefined;

/**
 * Loads solc once. Its emscripten runtime installs a process-wide "unhandledRejection" handler
 * that rethrows; a library must not change how its host treats rejections, so every listener
 * the load adds is removed again.
 */
function loadSolc(): Solc {
  if (solc !== undefined) return solc;
  const host: NodeJS.EventEmitter = process;
  const events = ["unhandledRejection", "uncaughtException"];
  const before = new Map(events.map((e) => [e, new Set(host.listeners(e))]));
  try {
    solc = createRequire(import.meta.url)("solc") as Solc;
  } finally {
    for (const e of events) {
      for (const l of host.listeners(e)) if (!before.get(e)?.has(l)) host.removeListener(e, l as (...a: unknown[]) => void);
    }
  }
  return solc;
}

/** The version string of the bundled compiler (e.g. "0.8.37+commit.…"). */
export function solcVersion(): string {
  return loadSolc().version();
}

/**
 * The solc standard-JSON input of one source with {@link SOLC_SETTINGS}: exactly what block
 * explorers ask for to verify a deployment ("Standard JSON input").
 */
export function standardJsonInput(fileName: string, source: string): string {
  return JSON.stringify({ language: "Solidity", sources: { [fileName]: { content: source } }, settings: SOLC_SETTINGS });
}

/**
 * Compiles one Solidity source and returns `contractName`'s ABI and bytecode. Not cached. Any
 * error or warning fails the build: the registry must compile clean.
 */
export function compileSolidity(fileName: string, source: string, contractName: string): CompiledContract {
  const output = JSON.parse(loadSolc().compile(standardJsonInput(fileName, source))) as SolcOutput;
  const problems = (output.errors ?? []).filter((d) => d.severity !== "info");
  if (problems.length > 0) throw new SolidityCompileError(problems.map((d) => (d.formattedMessage ?? d.message).trim()));
  const contract = output.contracts?.[fileName]?.[contractName];
  if (contract === undefined) throw new SolidityCompileError([`no contract ${contractName} in ${fileName}`]);
  const creation = contract.evm.bytecode.object;
  const runtime = contract.evm.deployedBytecode.object;
  // Unlinked library placeholders (__$…$__) or an abstract contract's empty object are no build.
  if (!/^[0-9a-f]+$/.test(creation) || !/^[0-9a-f]+$/.test(runtime)) {
    throw new SolidityCompileError([`${contractName} has no complete bytecode`]);
  }
  return { abi: contract.abi, bytecode: `0x${creation}`, deployedBytecode: `0x${runtime}` };
}

let compiled: CompiledContract | undefined;

/** File name of the registry source, as solc and the explorers see it. */
export const REGISTRY_FILE_NAME = `${REGISTRY_CONTRACT_NAME}.sol`;

/** Reads contracts/AirlockPcr0Registry.sol (beside src/ and dist/ alike). */
export function registrySource(): string {
  return readFileSync(new URL(`../contracts/${REGISTRY_FILE_NAME}`, import.meta.url), "utf8");
}

/**
 * The compiled registry. Compiled on first use (about a second with loading solc), then cached
 * for the life of the process. The result is deeply frozen: every caller shares it, so none may
 * alter what the next one deploys.
 */
export function compileRegistry(): CompiledContract {
  if (compiled === undefined) {
    const out = compileSolidity(REGISTRY_FILE_NAME, registrySource(), REGISTRY_CONTRACT_NAME);
    compiled = deepFreeze(out);
  }
  return compiled;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
