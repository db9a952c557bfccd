import { describe, expect, it } from "vitest";
import { compareDecimal, decimalOf, formatDecimal, multiplyDecimal, parseDecimal } from "../../src/policy/exact-decimal.js";

const d = decimalOf;

describe("exact decimals", () => {
  it("parses the plain decimal grammar and refuses everything else", () => {
    expect(parseDecimal("0")).toEqual({ units: 0n, scale: 0 });
    expect(parseDecimal("50000")).toEqual({ units: 50000n, scale: 0 });
    expect(parseDecimal("0.001")).toEqual({ units: 1n, scale: 3 });
    expect(parseDecimal("12.340")).toEqual({ units: 12340n, scale: 3 });
    expect(parseDecimal(`1.${"0".repeat(17)}1`)).toEqual({ units: 10n ** 18n + 1n, scale: 18 });
    for (const bad of ["", "-1", "+1", "1e3", "1.", ".5", "01", "1,5", " 1", "1 ", "0x10", "NaN", "Infinity", `1.${"0".repeat(19)}`, "1".repeat(21)]) {
      expect(parseDecimal(bad), bad).toBeUndefined();
    }
    expect(() => decimalOf("1e3")).toThrow(RangeError);
  });

  it("compares exactly across scales", () => {
    expect(compareDecimal(d("1"), d("1.000"))).toBe(0);
    expect(compareDecimal(d("0.1"), d("0.09999999999999999"))).toBe(1);
    expect(compareDecimal(d("0.999999999999999999"), d("1"))).toBe(-1);
    expect(compareDecimal(d("99999999999999999999.999999999999999999"), d("99999999999999999999.999999999999999998"))).toBe(1);
    // 2^53 + 1 is not a double; as decimals it stays itself.
    expect(compareDecimal(d("9007199254740993"), d("9007199254740992"))).toBe(1);
  });

  it("multiplies exactly where floats round", () => {
    // In binary floating point 0.1 * 3 = 0.30000000000000004 > 0.3.
    expect(0.1 * 3 > 0.3).toBe(true);
    expect(compareDecimal(multiplyDecimal(d("0.1"), d("3")), d("0.3"))).toBe(0);
    expect(formatDecimal(multiplyDecimal(d("50000"), d("0.001")))).toBe("50");
    expect(formatDecimal(multiplyDecimal(d("0.000000000000000001"), d("0.000000000000000001")))).toBe(`0.${"0".repeat(35)}1`);
    expect(formatDecimal(multiplyDecimal(d("99999999999999999999"), d("99999999999999999999")))).toBe((99999999999999999999n ** 2n).toString());
  });

  it("formats the shortest plain spelling", () => {
    expect(formatDecimal(d("1.50"))).toBe("1.5");
    expect(formatDecimal(d("2.000"))).toBe("2");
    expect(formatDecimal(d("0.0010"))).toBe("0.001");
    expect(formatDecimal(d("0"))).toBe("0");
    expect(formatDecimal({ units: 5n, scale: 3 })).toBe("0.005");
  });
});
