import { describe, expect, it } from "@jest/globals";
import type { Circus } from "@jest/types";
import { countSkippedGpuTests, markAllSkipped, runnableTests } from "../../src/jest/test-tree";

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

  it("counts skipped GPU tests that would have run: in skipped GPU blocks and by name, under -t", () => {
    const root = block("ROOT", [
      test("plain"),
      test("gpu one", "skip"),
      test("gpu two", "skip"),
      block("GPU block", [test("b", "skip"), block("inner", [test("c", "skip")])], "skip"),
    ]);
    expect(countSkippedGpuTests(state(root), ["gpu one", "gpu two"], ["GPU block"])).toBe(4);
    expect(
      countSkippedGpuTests(
        state(root, { testNamePattern: /gpu one/ }),
        ["gpu one", "gpu two"],
        ["GPU block"],
      ),
    ).toBe(1);
    expect(
      countSkippedGpuTests(state(root, { testNamePattern: /plain/ }), ["gpu one", "gpu two"], ["GPU block"]),
    ).toBe(0);
  });

  it("marks every test of a file skipped", () => {
    const root = block("ROOT", [test("a"), block("GPU block", [test("b"), block("inner", [test("c")])])]);
    expect(markAllSkipped(root)).toBe(3);
    expect(runnableTests(state(root))).toBe(0);
  });
});
