import { describe, expect, it } from "@jest/globals";
import { isIdle, isReady, notReadyBecause } from "../../src/protocol/health";

describe("the one health rule", () => {
  it("ready: healthy, and resident where the body says", () => {
    expect(isReady({ status: "healthy", vram_bytes: 0 })).toBe(true);
    expect(isReady({ status: "healthy", resident: true })).toBe(true);
    expect(notReadyBecause({ status: "healthy", resident: false })).toBe(
      "resident is false (the model is not all in VRAM yet)",
    );
    expect(notReadyBecause({ status: "unhealthy" })).toBe('status is "unhealthy"');
    expect(notReadyBecause("healthy")).toBe("it is not an object");
    expect(notReadyBecause([])).toBe("it is not an object");
  });

  it("idle: healthy and not reporting itself busy", () => {
    expect(isIdle({ status: "healthy" })).toBe(true);
    expect(isIdle({ status: "healthy", busy: true })).toBe(false);
    expect(isIdle({ status: "unhealthy" })).toBe(false);
    expect(isIdle(undefined)).toBe(false);
  });
});
