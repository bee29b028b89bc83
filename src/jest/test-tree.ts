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

/** Counts the tests inside blocks with the given names. */
export function countTests(block: Circus.DescribeBlock, blockNames: string[], inside = false): number {
  let n = 0;
  const here = inside || blockNames.includes(block.name);
  for (const child of children(block)) {
    if (child.type === "describeBlock") n += countTests(child, blockNames, here);
    else if (here) n++;
  }
  return n;
}

/** Counts the tests that will run: not skipped, not todo, focused when any is, matching `-t`. */
export function runnableTests(state: Circus.State): number {
  const pattern = state.testNamePattern;
  const walk = (block: Circus.DescribeBlock, names: string[], skipped: boolean, focused: boolean): number => {
    let n = 0;
    for (const child of children(block)) {
      if (child.type === "describeBlock") {
        n += walk(
          child,
          [...names, child.name],
          skipped || child.mode === "skip",
          focused || child.mode === "only",
        );
        continue;
      }
      if (skipped || child.mode === "skip" || child.mode === "todo") continue;
      if (state.hasFocusedTests && !(focused || child.mode === "only")) continue;
      if (pattern && !pattern.test([...names, child.name].join(" "))) continue;
      n++;
    }
    return n;
  };
  return walk(state.rootDescribeBlock, [], false, false);
}

/** A test's full name, as Jest prints it: its describe blocks' names and its own, space-separated. */
export function fullName(test: Circus.TestEntry): string {
  const names = [test.name];
  for (let block = test.parent; block?.parent; block = block.parent) names.unshift(block.name);
  return names.join(" ");
}
