import { relative } from "node:path";
import { isMainThread } from "node:worker_threads";
import { matchers } from "../matchers";
import { FileReport } from "../report/file-report";
import { workerRecord } from "../report/worker-record";
import { HANDLE_KEY } from "../run/handle";
import { STATE_VAR } from "../run/state";
import { fileHandle, setUpFile } from "../runner/file-setup";
import { FileWorkerSlot } from "../runner/file-worker";
import { createWorkerGlobal } from "../runner/worker-global";
import { finishingStops } from "../scope/let-go";
import { stopKeptWorkers } from "../scope/worker-scope";
import { transcriptContext } from "../transcripts/context";
import { TranscriptStore, type UpdateMode } from "../transcripts/store";
import { noteTranscriptUse } from "../transcripts/usage";
import { atSignalToo } from "../util/at-exit";
import { WorkerExitedError } from "../worker/errors";
import type { WorkerProcess } from "../worker/worker-process";
import { FILE_OPTIONS_NAME, fileOptionsOf } from "./docblock";
import { ISOLATE_KEY, OPTIONS_KEY, OPTIONS_NAME, ROOT_KEY } from "./keys";
import { setCurrentWorker } from "./runtime";

/** A Vitest task (a test or a suite), as far as the setup file reads it. */
interface Task {
  name: string;
  type?: string;
  mode?: string;
  suite?: Task;
  tasks?: Task[];
  filepath?: string;
  result?: { state?: string };
}

/** The parts of Vitest's API the setup file uses (passed in by `vitest-setup.mjs`, the same instance the tests use). */
export interface VitestApi {
  expect: {
    extend(matchers: object): void;
    getState(): { testPath?: string; snapshotState?: { _updateSnapshot?: string } };
  };
  inject(key: string): unknown;
  /** Vitest 4 and 5: the first parameter is the (destructured) context, the second the suite. */
  beforeAll(fn: (context: object, suite: Task) => unknown, timeout?: number): void;
  afterAll(fn: () => unknown, timeout?: number): void;
  beforeEach(fn: (context: { task: Task }) => unknown): void;
  /** Vitest 4.1 and later: wraps each test (its hooks and its function); the test runs inside `runTest`. */
  aroundEach?(fn: (runTest: () => Promise<void>, context: { task: Task }) => Promise<void>): void;
  afterEach(fn: (context: { task: Task }) => unknown): void;
}

/** A test's full name as Jest gives it: the enclosing describe blocks' names and its own, by spaces. */
function fullName(task: Task): string {
  const names = [task.name];
  for (let s = task.suite; s && s.type !== "file" && s.suite !== undefined; s = s.suite)
    names.unshift(s.name);
  return names.join(" ");
}

function testsOf(task: Task): Task[] {
  return (task.tasks ?? []).flatMap((t) => (t.type === "test" ? [t] : testsOf(t)));
}

/**
 * Gives the test file its worker, as the Jest environment does: its options
 * settled and its worker planned at once (a bad option fails the file with
 * one message), the worker taken before its first test (scope, spare, reuse
 * pool, attached URLs: the same sources), each test's unfinished calls
 * ended when it ends, a worker that died during a test failing that test,
 * and at the file's end the harnesses stopped, the run report's record
 * written and the worker given back.
 */
export async function install(api: VitestApi): Promise<void> {
  api.expect.extend(matchers);
  // The process's place among Vitest's workers, where the package spreads GPUs and URLs (as Jest's JEST_WORKER_ID;
  // Vitest's own wins over one inherited from whatever started Vitest, e.g. a Jest test).
  if (process.env.VITEST_POOL_ID) process.env.JEST_WORKER_ID = process.env.VITEST_POOL_ID;
  // Vitest ends its forks with SIGTERM, where no exit event comes: the package's exit hooks run then too.
  if (isMainThread) atSignalToo("SIGTERM");
  const isolated = api.inject(ISOLATE_KEY) !== false;
  const testPath = api.expect.getState().testPath ?? "";
  const rootDir = (api.inject(ROOT_KEY) as string | undefined) ?? process.cwd();
  const setup = await setUpFile({
    projectId: "vitest",
    configOptions: api.inject(OPTIONS_KEY),
    fileOptions: fileOptionsOf(testPath),
    rootDir,
    optionsName: OPTIONS_NAME,
    fileOptionsName: FILE_OPTIONS_NAME,
  });
  const file = relative(rootDir, testPath);
  let slot: FileWorkerSlot | undefined;
  const handle = fileHandle(setup, () => {
    if (slot?.startError) throw slot.startError;
    if (!slot?.worker)
      throw new Error(
        "the worker is not started: worker-orcd-jest starts it before the file's first test; " +
          "use `worker` inside tests and hooks, not at the top level of the file",
      );
    return slot.worker;
  });
  const report = FileReport.start(handle.jobs, file, process.env[STATE_VAR]);
  // Vitest's snapshot mode (`-u`: "all"; CI: "none"), known only inside a test: read when a transcript is written.
  const updateMode = (): UpdateMode => {
    const mode = api.expect.getState().snapshotState?._updateSnapshot;
    return mode === "all" || mode === "none" ? mode : "new";
  };
  handle.transcripts = new TranscriptStore(
    testPath,
    updateMode,
    () => transcriptContext(setup.plan, setup.gpu),
    setup.options.transcriptKey,
  );
  (globalThis as Record<string, unknown>)[HANDLE_KEY] = handle;
  setCurrentWorker(createWorkerGlobal(handle));
  let deathReported = false;

  // biome-ignore lint/correctness/noEmptyPattern: Vitest requires a destructuring pattern for a hook's first parameter
  api.beforeAll(async ({}, suite) => {
    for (const test of testsOf(suite)) handle.transcripts?.declaredTests.add(fullName(test));
    // Isolated, this process ends with its file: a spare started here for a next file would die unused.
    const options = isolated ? { ...setup.options, prestart: false } : setup.options;
    slot = new FileWorkerSlot({ plan: setup.plan, options, rootDir, file, jobs: handle.jobs });
    await slot.take(true);
    if (slot.startError) throw slot.startError;
  }, setup.options.startupTimeoutMs + 10_000);

  // Whose a call is: a test runs inside the ledger's context under its own name, so a `test.concurrent` test's
  // calls are its own while others run beside it. Before Vitest 4.1 (no aroundEach): the test that began last.
  if (api.aroundEach) api.aroundEach((runTest, { task }) => handle.jobs.context.run(fullName(task), runTest));
  else
    api.beforeEach(({ task }) => {
      handle.jobs.owner = fullName(task);
    });

  api.afterEach(({ task }) => {
    const name = fullName(task);
    handle.jobs.abortOwnedBy(
      name,
      `test ${JSON.stringify(name)} ended while it ran (a timeout, or a call that was not awaited)`,
    );
    handle.jobs.owner = undefined;
    if (task.result?.state !== "fail") handle.transcripts?.ranTests.add(name);
    // The test during which the file's worker died fails (once per file; a clean exit is not a death).
    const exit = slot?.worker?.exit;
    if (deathReported || !exit || (exit.code === 0 && !exit.signal)) return;
    deathReported = true;
    if (task.result?.state === "fail") return;
    const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
    throw new WorkerExitedError(`the worker process ${how} during this test`, slot!.worker!.facts());
  });

  api.afterAll(async () => {
    try {
      handle.jobs.abortOwnedBy(undefined, "the test file ended");
      for (const harness of handle.harnesses) await harness.stop().catch(() => undefined);
      const harnesses = handle.harnesses.flatMap((h) => {
        const proc = (h as { process?: WorkerProcess }).process;
        return proc ? [workerRecord("harness", proc)] : [];
      });
      report?.finish([...(slot?.records() ?? []), ...harnesses]);
      if (handle.transcripts) noteTranscriptUse(handle.transcripts, process.env[STATE_VAR]);
      await slot?.release();
      // Isolated, this process (or thread) ends with its file, and Vitest ends it with a signal, which runs no exit
      // hook: the worker kept for a next file goes to the reuse pool (or is stopped) now, as at Jest's end.
      if (isolated) await stopKeptWorkers();
      // A Vitest worker process may end right after its file: the mock's stop, left to finish, is seen to its end.
      await finishingStops();
    } finally {
      setCurrentWorker(undefined);
      delete (globalThis as Record<string, unknown>)[HANDLE_KEY];
    }
  }, setup.options.shutdownGraceMs + 10_000);
}
