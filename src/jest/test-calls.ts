import type { Circus } from "@jest/types";
import { type JobLedger, ownedBy } from "../client/job-ledger";
import { WorkerExitedError } from "../worker/errors";
import type { FileWorker } from "../worker/worker-process";
import { fullName } from "./test-tree";

/**
 * A concurrent test's code runs beside other tests', so "the running test"
 * cannot say whose a call is: its function runs inside the ledger's context
 * under its own name (Jest's `add_test`, synchronous, right after the test
 * was added), and every call it makes is owned by it. True when the test
 * just added is concurrent.
 */
export function ownConcurrent(state: Circus.State, jobs: JobLedger): boolean {
  const test = state.currentDescribeBlock.children.at(-1);
  if (test?.type !== "test" || !test.concurrent || !test.fn) return false;
  test.fn = ownedBy(jobs, fullName(test), test.fn);
  return true;
}

/**
 * Ends every request the finished test left open (it timed out while
 * streaming, or did not await a call): the worker sees the disconnect and
 * stops the job, and the next test does not meet a busy worker.
 */
export function endRequestsOf(test: Circus.TestEntry, jobs: JobLedger): void {
  const name = fullName(test);
  jobs.abortOwnedBy(
    name,
    `test ${JSON.stringify(name)} ended while it ran (a Jest timeout, or a call that was not awaited)`,
  );
  jobs.owner = undefined;
}

/**
 * Fails the test during which the file's worker died (once per file, and
 * not a test that failed already): a clean exit is not a death. True when
 * the death was reported (so it is not reported again).
 */
export function reportDeath(test: Circus.TestEntry, worker: FileWorker | undefined): boolean {
  const exit = worker?.exit;
  if (!exit || (exit.code === 0 && !exit.signal)) return false;
  if (test.errors.length > 0) return true;
  const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
  const error = new WorkerExitedError(`the worker process ${how} during this test`, worker!.facts());
  error.stack = `${error.name}: ${error.message}`;
  test.errors.push(error);
  return true;
}
