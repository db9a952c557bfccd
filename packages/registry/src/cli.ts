// Prints the registry build for an operator deploying it with their own tooling:
//   npx tsc -b packages/registry && node packages/registry/dist/cli.js [artifact|abi|bytecode|input]
// artifact (default): JSON {contractName, compiler, abi, bytecode, deployedBytecode};
// input: the solc standard-JSON input, for verifying the deployment on a block explorer.
import {
  REGISTRY_CONTRACT_NAME,
  REGISTRY_FILE_NAME,
  compileRegistry,
  registrySource,
  solcVersion,
  standardJsonInput,
} from "./compile.js";

const what = process.argv[2] ?? "artifact";
const out: Record<string, () => string> = {
  artifact: () => {
    const { abi, bytecode, deployedBytecode } = compileRegistry();
    const compiler = `v${solcVersion().replace(/\.Emscripten\.clang$/, "")}`;
    return JSON.stringify({ contractName: REGISTRY_CONTRACT_NAME, compiler, abi, bytecode, deployedBytecode }, null, 2);
  },
  abi: () => JSON.stringify(compileRegistry().abi, null, 2),
  bytecode: () => compileRegistry().bytecode,
  input: () => standardJsonInput(REGISTRY_FILE_NAME, registrySource()),
};
const print = Object.hasOwn(out, what) ? out[what] : undefined;
if (print === undefined) {
  process.stderr.write(`usage: cli.js [${Object.keys(out).join("|")}]\n`);
  process.exitCode = 2;
} else {
  process.stdout.write(`${print()}\n`);
}
