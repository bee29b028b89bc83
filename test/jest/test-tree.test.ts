import { describe, expect, it } from "@jest/globals";
import type { Circus } from "@jest/types";
import { countTests, markAllSkipped, runnableTests } from "../../src/jest/test-tree";

type Node = Circus.DescribeBlock | Circus.TestEntry;
const test = (name: string, mode?: "skip" | "only" | "todo") =>
  ({ type: "test", name, mode }) as unknown as Circus.TestEntry;
const block = (name: string, children: Node[], mode?: "skip" | "only") =>
  ({ type: "describeBlock", name, mode, children }) as unknown as Circus.DescribeBlock;
const state = (root: Circus.DescribeBlock, extra: Partial<Circus.State> = {}) =>
  ({
    rootDescribeBlock: root,
    hasFocusedTests: false,
    testNamePattern: null,
    ...extra,
  }) as unknown as Circus.State;

describe("test tree walks", () => {
  it("counts tests that will run: not skipped, not todo, focused when any is, matching -t", () => {
    const root = block("ROOT", [
      test("a"),
      test("b", "skip"),
      test("c", "todo"),
      block("group", [test("d"), test("e")], "skip"),
    ]);
    expect(runnableTests(state(root))).toBe(1);
    const focused = block("ROOT", [test("a"), test("b", "only"), block("group", [test("c")], "only")]);
    expect(runnableTests(state(focused, { hasFocusedTests: true }))).toBe(2);
    const named = block("ROOT", [block("api", [test("health"), test("execute")])]);
    expect(runnableTests(state(named, { testNamePattern: /api health/ }))).toBe(1);
  });

  it("marks every test of a file skipped and counts tests in named blocks", () => {
    const root = block("ROOT", [test("a"), block("GPU block", [test("b"), block("inner", [test("c")])])]);
    expect(countTests(root, ["GPU block"])).toBe(2);
    expect(markAllSkipped(root)).toBe(3);
    expect(runnableTests(state(root))).toBe(0);
  });
});
