// Deploys the registry with any ethers signer (a wallet on a real chain, ganache's accounts in tests).
import { ContractFactory, type Contract, type ContractRunner } from "ethers";
import { compileRegistry } from "./compile.js";

/**
 * Deploys a fresh AirlockPcr0Registry from `runner` and waits until it is mined. The contract has
 * no constructor arguments and no admin: the deployer gets no privilege over it.
 * @throws TypeError when `runner` cannot send transactions (a provider alone cannot deploy).
 */
export async function deployRegistry(runner: ContractRunner): Promise<Contract> {
  if (typeof runner.sendTransaction !== "function") throw new TypeError("deployRegistry needs a signer, not a provider");
  const { abi, bytecode } = compileRegistry();
  const contract = await new ContractFactory(abi, bytecode, runner).deploy();
  await contract.waitForDeployment();
  return contract as Contract;
}
