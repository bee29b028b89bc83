/**
 * The preset's `setupFilesAfterEnv` entry: registers the matchers and
 * rebuilds the global `worker` with this (the test file's) realm's client,
 * so errors it throws are instances of the classes the test imports.
 */
import { loadAllMatchers, matchers } from "../matchers";
import { getHandle } from "../run/handle";
import { createWorkerGlobal } from "../runner/worker-global";

declare const expect: { extend(m: object): void } | undefined;

const jestExpect =
  typeof expect !== "undefined"
    ? expect
    : (require("@jest/globals") as { expect: { extend(m: object): void } }).expect;
jestExpect.extend(matchers);

const handle = getHandle();
if (handle) {
  (globalThis as Record<string, unknown>).worker = createWorkerGlobal(handle);
  handle.preload = () => {
    loadAllMatchers();
    require("../client/worker-client");
  };
}
