import type { Circus } from "@jest/types";

function children(block: Circus.DescribeBlock): (Circus.DescribeBlock | Circus.TestEntry)[] {
  return block.children;
}

/** Marks every test of a file as skipped (before hooks run, so they do not run either). Returns how many. */
export function markAllSkipped(block: Circus.DescribeBlock): number {
  let n = 0;
  for (const child of children(block)) {
    if (child.type === "describeBlock") n += markAllSkipped(child);
    else {
      child.mode = "skip";
      n++;
    }
  }
  block.mode = "skip";
  return n;
}

interface Visit {
  test: Circus.TestEntry;
  /** Names of the enclosing describe blocks, outermost first. */
  blocks: string[];
  /** True when an enclosing block is skipped. */
  inSkipped: boolean;
}

function visitTests(state: Circus.State, visit: (v: Visit) => void): void {
  const walk = (block: Circus.DescribeBlock, blocks: string[], skipped: boolean, focused: boolean) => {
    for (const child of children(block)) {
      if (child.type === "describeBlock") {
        walk(
          child,
          [...blocks, child.name],
          skipped || child.mode === "skip",
          focused || child.mode === "only",
        );
        continue;
      }
      // Filtered out by focus (`.only` elsewhere) or `-t`: the test would not run, skipped or not.
      if (state.hasFocusedTests && !(focused || child.mode === "only")) continue;
      const pattern = state.testNamePattern;
      if (pattern && !pattern.test([...blocks, child.name].join(" "))) continue;
      visit({ test: child, blocks, inSkipped: skipped });
    }
  };
  walk(state.rootDescribeBlock, [], false, false);
}

/** Counts the tests that will run: not skipped, not todo, focused when any is, matching `-t`. */
export function runnableTests(state: Circus.State): number {
  let n = 0;
  visitTests(state, ({ test, inSkipped }) => {
    if (!inSkipped && test.mode !== "skip" && test.mode !== "todo") n++;
  });
  return n;
}

/**
 * Counts the GPU tests skipped in this file that would otherwise have run:
 * tests `itGpu` skipped (by name) and tests inside blocks `describeGpu`
 * skipped, matching `-t` and focus.
 */
export function countSkippedGpuTests(state: Circus.State, testNames: string[], blockNames: string[]): number {
  let n = 0;
  visitTests(state, ({ test, blocks }) => {
    if (test.mode !== "skip") return;
    if (testNames.includes(test.name) || blocks.some((b) => blockNames.includes(b))) n++;
  });
  return n;
}

/** A test's full name, as Jest prints it: its describe blocks' names and its own, space-separated. */
export function fullName(test: Circus.TestEntry): string {
  const names = [test.name];
  for (let block = test.parent; block?.parent; block = block.parent) names.unshift(block.name);
  return names.join(" ");
}

/** The full name of every test the file declares, whatever its mode (for the obsolete-transcript report). */
export function declaredTestNames(block: Circus.DescribeBlock): string[] {
  return children(block).flatMap((child) =>
    child.type === "describeBlock" ? declaredTestNames(child) : [fullName(child)],
  );
}
