import { afterAll, describe, expect, it } from "@jest/globals";
import { WorkerTestHarness } from "../../src/harness/worker-test-harness";
import { matchers } from "../../src/matchers";
import { isAlive } from "../../src/worker/processes";
import { useFakeSmi } from "../helpers/smi";
import { jobStarted, waitFor } from "../helpers/wait";
import { plain } from "./events";

const smi = useFakeSmi();

expect.extend(matchers);

// Real mock processes, stopped by the harness as a test would; the matcher judges what the stop measured.
const harnesses: WorkerTestHarness[] = [];
afterAll(async () => {
  await Promise.all(harnesses.map((h) => h.stop()));
});
async function started(options: Parameters<typeof WorkerTestHarness.startMock>[0] = {}) {
  const h = await WorkerTestHarness.startMock({ shutdownGraceMs: 1_000, ...options });
  harnesses.push(h);
  return h;
}
function failureOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    return plain((error as Error).message);
  }
  throw new Error("the expectation passed");
}

describe("toHaveStoppedCleanly", () => {
  it("passes a mock that drains and exits 0 on SIGTERM; the stop's report says what was measured", async () => {
    const h = await started();
    const report = await h.stop();
    expect(h).toHaveStoppedCleanly();
    expect(report).toHaveStoppedCleanly({ withinMs: 1_000 });
    expect(report).toMatchObject({ signal: "SIGTERM", exit: { code: 0, signal: null }, survivors: [] });
    expect(h.lastStop).toBe(report);
    expect(failureOf(() => expect(h).not.toHaveStoppedCleanly())).toMatch(
      /Expected an unclean stop, but it was clean\.\nMeasured: SIGTERM to pid only: exited after \d+ ms with code 0; no process of its tree left; VRAM not read \(nvidia-smi not found\)/,
    );
  });

  it("fails a worker that leaves a child behind in a session of its own, naming it; the child is then stopped", async () => {
    const h = await started({ faults: ["orphan-child"] });
    const report = await h.stop();
    const message = failureOf(() => expect(h).toHaveStoppedCleanly());
    expect(message).toMatch(
      /The worker \(pid \d+\) did not stop cleanly:\n {2}- pid (\d+) \(.*worker-orcd-mock-orphan\) outlived it/,
    );
    expect("survivors" in report && report.survivors).toHaveLength(1);
    const orphan = "survivors" in report ? report.survivors[0].pid : 0;
    await waitFor(() => !isAlive(orphan), `the orphan (pid ${orphan}) to be gone after the stop`, 30_000);
  });

  it("fails a worker that ignores SIGTERM (still running after the grace) and one that dies by it (no handler)", async () => {
    const stubborn = await started({ faults: ["ignore-sigterm"], shutdownGraceMs: 300 });
    await stubborn.stop();
    expect(failureOf(() => expect(stubborn).toHaveStoppedCleanly())).toMatch(
      /- it was still running 300 ms after SIGTERM[\s\S]*outlived it[\s\S]*Measured: SIGTERM to pid only: did not exit within 300 ms/,
    );
    const compat = await started({ compat: true });
    await compat.stop();
    expect(failureOf(() => expect(compat).toHaveStoppedCleanly())).toMatch(
      /- it was ended by SIGTERM \(no handler: it did not shut down, it died\)[\s\S]*exited after \d+ ms with signal SIGTERM/,
    );
  });

  it("fails an exit slower than withinMs, and says what to do with a harness not yet stopped or a wrong value", async () => {
    const slow = await started({ tokenIntervalMs: 5, eosAfter: 0 });
    const job = slow.execute({ job_id: "long", prompt: "hi", max_tokens: 100 });
    await jobStarted(slow.process, "long");
    await slow.stop();
    await job;
    expect(failureOf(() => expect(slow).toHaveStoppedCleanly({ withinMs: 50 }))).toMatch(
      /- it took \d+ ms to exit, over withinMs 50/,
    );
    const fresh = await started();
    expect(failureOf(() => expect(fresh).toHaveStoppedCleanly())).toMatch(
      /the harness has not been stopped yet: `await harness.stop\(\)` first/,
    );
    expect(failureOf(() => expect({ pid: 1 }).toHaveStoppedCleanly())).toMatch(
      /expected a stopped WorkerTestHarness or the report `await harness.stop\(\)` gave, got/,
    );
    await fresh.stop();
    expect(failureOf(() => expect(fresh).toHaveStoppedCleanly({ withinMs: -1 }))).toMatch(
      /withinMs must be a number of ms >= 0, got -1/,
    );
  });

  it("reads the GPU memory the worker's tree held before and after (nvidia-smi), and fails memory not given back", async () => {
    const h = await started();
    // A stand-in nvidia-smi that lists the worker as holding 300 MiB while its process exists.
    smi(`#!/bin/sh\n[ -d /proc/${h.process.pid} ] && echo "${h.process.pid}, 300"\nexit 0\n`);
    const report = await h.stop();
    expect("vram" in report && report.vram).toEqual({ beforeMiB: 300, afterMiB: 0, holdersAfter: [] });
    expect(h).toHaveStoppedCleanly();
    const leaky = await started();
    // One that goes on listing the worker's pid after it exited: the memory was not given back.
    smi(`#!/bin/sh\necho "${leaky.process.pid}, 300"\n`);
    await leaky.stop();
    expect(failureOf(() => expect(leaky).toHaveStoppedCleanly())).toMatch(
      new RegExp(
        `- GPU memory was not given back: 300 MiB still held by pid ${leaky.process.pid}[\\s\\S]*VRAM 300 MiB before, 300 MiB after`,
      ),
    );
  });
});
