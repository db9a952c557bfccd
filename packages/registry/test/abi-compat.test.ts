// The registry answers every call a client of Usenami's UsenamiAttestationRegistry makes, with the
// same selectors, return types, event topics and error selectors.
import { describe, expect, it } from "vitest";
import { Interface, type ErrorFragment, type EventFragment, type FunctionFragment } from "ethers";
import { compileRegistry } from "@airlock/registry";

// Usenami's ABI as listed in shared/reference/usenami.md §5 (poc/contracts/src/UsenamiAttestationRegistry.sol).
const RECORD = "tuple(bytes pcr0, uint64 registeredAt, uint64 deprecatedAt, bytes32 buildHash, string description)";
const USENAMI_ABI = [
  "function records(address, uint256) view returns (bytes pcr0, uint64 registeredAt, uint64 deprecatedAt, bytes32 buildHash, string description)",
  "function activePCR0OwnerByHash(bytes32) view returns (address)",
  "function registerPCR0(bytes pcr0, bytes32 buildHash, string description)",
  "function deprecatePCR0(bytes pcr0)",
  "function isPCR0Active(bytes pcr0) view returns (bool active, address owner)",
  `function getOwnerHistory(address) view returns (${RECORD}[])`,
  `function getActivePCR0(address) view returns (${RECORD})`,
  "event PCR0Registered(address indexed owner, bytes32 indexed pcr0Hash, bytes pcr0, bytes32 buildHash, string description)",
  "event PCR0Deprecated(address indexed owner, bytes32 indexed pcr0Hash, bytes pcr0)",
  "error PCR0AlreadyRegistered()",
  "error PCR0NotFound()",
  "error NotOwnerOfPCR0()",
  "error InvalidPCR0Length()",
];

const usenami = new Interface(USENAMI_ABI);
const ours = new Interface(compileRegistry().abi);

const fragments = <T>(iface: Interface, type: string): T[] => iface.fragments.filter((f) => f.type === type) as T[];

describe("ABI compatibility with Usenami's registry", () => {
  it.each(fragments<FunctionFragment>(usenami, "function").map((f) => [f.name, f] as const))(
    "function %s: same selector, mutability and return types",
    (_name, theirs) => {
      const mine = ours.getFunction(theirs.selector);
      expect(mine, theirs.format("sighash")).not.toBeNull();
      expect(mine!.format("sighash")).toBe(theirs.format("sighash"));
      expect(mine!.stateMutability).toBe(theirs.stateMutability);
      expect(mine!.outputs.map((o) => o.format("sighash"))).toEqual(theirs.outputs.map((o) => o.format("sighash")));
    },
  );

  it.each(fragments<EventFragment>(usenami, "event").map((f) => [f.name, f] as const))(
    "event %s: same topic and indexed parameters",
    (_name, theirs) => {
      const mine = ours.getEvent(theirs.topicHash);
      expect(mine, theirs.format("sighash")).not.toBeNull();
      expect(mine!.anonymous).toBe(false);
      expect(mine!.inputs.map((i) => [i.format("sighash"), i.indexed === true])).toEqual(
        theirs.inputs.map((i) => [i.format("sighash"), i.indexed === true]),
      );
    },
  );

  it.each(fragments<ErrorFragment>(usenami, "error").map((f) => [f.name, f] as const))("error %s: same selector", (_name, theirs) => {
    expect(ours.getError(theirs.selector)?.format("sighash")).toBe(theirs.format("sighash"));
  });

  it("decodes a call result identically with either ABI", () => {
    const owner = "0x21538eBF6598e5866BA496A954dE8E39097bFB59";
    const data = ours.encodeFunctionResult("isPCR0Active", [true, owner]);
    expect([...usenami.decodeFunctionResult("isPCR0Active", data)]).toEqual([true, owner]);
  });
});
