import { describe, expect, it } from "@jest/globals";
import { combineSignals, withDeadline } from "../../src/client/deadline";

describe("combineSignals", () => {
  it("aborts with the reason of whichever signal aborts first, and lets go of the others", () => {
    const a = new AbortController();
    const b = new AbortController();
    const combined = combineSignals(undefined, a.signal, b.signal);
    expect(combined.aborted).toBe(false);
    b.abort(new Error("b went first"));
    expect(combined.aborted).toBe(true);
    expect(combined.reason).toEqual(new Error("b went first"));
    a.abort(new Error("later"));
    expect(combined.reason).toEqual(new Error("b went first"));
  });

  it("is aborted at once when a given signal already is, and times out after ms", async () => {
    expect(combineSignals(undefined, AbortSignal.abort("done"), new AbortController().signal).reason).toBe(
      "done",
    );
    const timed = combineSignals(20, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 60));
    expect(timed.aborted).toBe(true);
    expect((timed.reason as Error).name).toBe("TimeoutError");
  });
});

describe("withDeadline", () => {
  it("rejects with the built error when the promise is slower than ms", async () => {
    await expect(withDeadline(new Promise(() => undefined), 10, () => new Error("too slow"))).rejects.toThrow(
      "too slow",
    );
    await expect(withDeadline(Promise.resolve(5), 1000, () => new Error("x"))).resolves.toBe(5);
  });
});
