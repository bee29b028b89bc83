import { describe, expect, it } from "@jest/globals";
import { matchers } from "../../src/matchers";
import { end, error, failureOf, metrics, ok, started, token, tokens } from "./events";

expect.extend(matchers);

describe("toHaveValidEventOrder", () => {
  it("passes on started, tokens, metrics, end", () => {
    expect([started(), token(0), metrics(), token(1), end(2)]).toHaveValidEventOrder();
    expect([started(), error()]).toHaveValidEventOrder();
  });

  const broken: [string, unknown[]][] = [
    ["no events", []],
    ["missing started", [token(0), end(1)]],
    ["a lone error (fails before start)", [error()]],
    ["an event after the terminal event", [started(), token(0), end(1), token(1)]],
    ["two terminal events", [started(), token(0), end(1), error("INTERNAL")]],
    ["end and then end", [started(), end(0), end(0)]],
    ["an index gap", [started(), token(0), token(2), end(2)]],
    ["a repeated index", [started(), token(0), token(0), end(2)]],
    ["tokens_out mismatch", [started(), ...tokens(3), end(4)]],
    ["no terminal event", [started(), token(0)]],
    ["a second started", [started(), started(), end(0)]],
    ["not an array", { type: "started" } as unknown as unknown[]],
  ];
  it.each(broken)("fails on %s, with the rule, index and timeline", (_name, events) => {
    const message = failureOf(() => expect(events).toHaveValidEventOrder());
    expect(message).toMatchSnapshot();
  });

  it("supports .not with a message saying the rule holds", () => {
    expect([token(0)]).not.toHaveValidEventOrder();
    expect(failureOf(() => expect(ok(2)).not.toHaveValidEventOrder())).toMatchSnapshot();
  });

  it("collapses long token runs in the timeline and marks the offending event", () => {
    const events = [started(), ...tokens(40), token(41), end(42)];
    expect(failureOf(() => expect(events).toHaveValidEventOrder())).toMatchSnapshot();
  });

  it("works after .resolves", async () => {
    await expect(Promise.resolve(ok(1))).resolves.toHaveValidEventOrder();
    const message = await expect(Promise.resolve([token(0)]))
      .resolves.toHaveValidEventOrder()
      .catch((e: Error) => e.message);
    expect(message).toContain("resolves");
  });
});

describe("toCompleteSuccessfully", () => {
  it.each(["max_tokens", "eos", "stop_sequence", "MAX_TOKENS", "EOS"])("passes on end %s", (reason) => {
    const extra = reason.toLowerCase() === "stop_sequence" ? { stop_sequence_matched: "." } : {};
    expect([started(), token(0), end(1, reason, extra)]).toCompleteSuccessfully();
  });
  it("fails on an error instead of end", () => {
    expect(
      failureOf(() => expect([started(), token(0), error("VRAM_OOM")]).toCompleteSuccessfully()),
    ).toMatchSnapshot();
  });
  it("fails on end cancelled, and on a broken order", () => {
    expect(
      failureOf(() => expect([started(), end(0, "cancelled")]).toCompleteSuccessfully()),
    ).toMatchSnapshot();
    expect([started(), token(1), end(1)]).not.toCompleteSuccessfully();
  });
  it("supports .not", () => {
    expect(failureOf(() => expect(ok()).not.toCompleteSuccessfully())).toMatchSnapshot();
  });
});
