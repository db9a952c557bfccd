// solc-js build of the registry: settings, caching, error reporting, no process-wide side effect.
import { describe, expect, it } from "vitest";
import {
  SOLC_SETTINGS,
  SolidityCompileError,
  compileRegistry,
  compileSolidity,
  registrySource,
  solcVersion,
  standardJsonInput,
} from "@airlock/registry";

describe("compile", () => {
  // First in the file: the load of solc happens here (one fork per test file).
  it("loading solc leaves the process's rejection and exception handlers as they were", () => {
    const before = [process.listeners("unhandledRejection"), process.listeners("uncaughtException")];
    expect(solcVersion()).toMatch(/^0\.8\.37\+commit\./);
    expect([process.listeners("unhandledRejection"), process.listeners("uncaughtException")]).toEqual(before);
  });

  it("compiles the registry clean, for shanghai with the optimizer at 200 runs", () => {
    const input = JSON.parse(standardJsonInput("R.sol", registrySource())) as { settings: typeof SOLC_SETTINGS };
    expect(input.settings.evmVersion).toBe("shanghai");
    expect(input.settings.optimizer).toEqual({ enabled: true, runs: 200 });
    const { abi, bytecode, deployedBytecode } = compileRegistry();
    expect(bytecode).toMatch(/^0x60806040[0-9a-f]+$/);
    expect(deployedBytecode).toMatch(/^0x[0-9a-f]+$/);
    expect((abi as { name?: string }[]).map((f) => f.name)).toContain("isPCR0Active");
  });

  it("compiles once per process and shares one frozen result", () => {
    const a = compileRegistry();
    expect(compileRegistry()).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(Object.isFrozen(a.abi)).toBe(true);
    expect(() => {
      (a as { bytecode: string }).bytecode = "0x00";
    }).toThrow(TypeError);
  });

  it("throws the compiler's messages on an error", () => {
    const broken = "// SPDX-License-Identifier: Apache-2.0\npragma solidity 0.8.37;\ncontract B { function f() external { undefinedThing(); } }\n";
    let err: unknown;
    try {
      compileSolidity("B.sol", broken, "B");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SolidityCompileError);
    expect((err as SolidityCompileError).messages.join("\n")).toMatch(/DeclarationError: Undeclared identifier/);
    expect((err as Error).message).toContain("B.sol:3");
  });

  it("treats a warning as a failure", () => {
    const warns = "pragma solidity 0.8.37;\ncontract W { function f(uint256 unused) external pure {} }\n";
    expect(() => compileSolidity("W.sol", warns, "W")).toThrow(/SPDX license identifier not provided|Unused function parameter/);
  });

  it("refuses a missing contract or an incomplete (abstract) one", () => {
    const src = "// SPDX-License-Identifier: Apache-2.0\npragma solidity 0.8.37;\nabstract contract A { function f() external virtual; }\n";
    expect(() => compileSolidity("A.sol", src, "Nope")).toThrow(/no contract Nope/);
    expect(() => compileSolidity("A.sol", src, "A")).toThrow(/no complete bytecode/);
  });
});
