import { describe, expect, it } from "@jest/globals";
import { formatBytes } from "../../src/util/bytes";

describe("formatBytes", () => {
  it("shows a size in the unit that fits it, never a small file as 0 MiB", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(13_482)).toBe("13 KiB");
    expect(formatBytes(5000)).toBe("4.9 KiB");
    expect(formatBytes(560 * 1024)).toBe("560 KiB");
    expect(formatBytes(352 * 2 ** 20)).toBe("352 MiB");
    expect(formatBytes(2300 * 2 ** 20)).toBe("2.2 GiB");
  });
});
