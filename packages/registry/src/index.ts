// Entry point of @airlock/registry: the PCR0 registry contract's build and deployment.
export {
  REGISTRY_CONTRACT_NAME,
  REGISTRY_FILE_NAME,
  SOLC_SETTINGS,
  SolidityCompileError,
  compileRegistry,
  compileSolidity,
  registrySource,
  solcVersion,
  standardJsonInput,
  type CompiledContract,
} from "./compile.js";
export { deployRegistry } from "./deploy.js";
