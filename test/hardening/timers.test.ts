import { afterAll, describe, expect, it } from "@jest/globals";
import { ConfigError } from "../../src/client/errors";
import { WorkerClient } from "../../src/client/worker-client";
import { resolveOptions } from "../../src/config/options";
import { MAX_DELAY_MS, timeoutSignal, timerDelay } from "../../src/util/timers";
import { startMock, stopAllMocks } from "../helpers/mock";

afterAll(stopAllMocks);

describe("timer delays", () => {
  it("bounds every delay to an integer Node timers accept", () => {
    expect(timerDelay(1234.2)).toBe(1235);
    expect(timerDelay(0)).toBe(1);
    expect(timerDelay(-5)).toBe(1);
    expect(timerDelay(Number.NaN)).toBe(1);
    expect(timerDelay(1e12)).toBe(MAX_DELAY_MS);
    expect(() => timeoutSignal(1999.7)).not.toThrow();
  });

  it("sees a worker that becomes ready in the last 2 s of startupTimeoutMs within one probe interval", async () => {
    // Before: every probe threw ERR_OUT_OF_RANGE (fractional AbortSignal.timeout) until under 50 ms remained.
    const w = await startMock({ startupTimeoutMs: 1900, env: { WORKER_ORCD_MOCK_FAULT: "slow-ready:600" } });
    expect(w.startupMs).toBeGreaterThanOrEqual(600);
    // Seen before the deadline (the bound is the test's own deadline, not a guess at the machine's speed).
    expect(w.startupMs).toBeLessThan(1900);
  });

  it("keeps the documented diagnostics when the deadline is under 2 s", async () => {
    const error = (await startMock({
      startupTimeoutMs: 1500,
      env: { WORKER_ORCD_MOCK_FAULT: "never-ready" },
    }).catch((e) => e)) as Error;
    expect(error.message).toMatch(/not ready within 1500 ms/);
    expect(error.message).toMatch(/last probe: ECONNREFUSED/);
    expect(error.message).not.toMatch(/out of range/);
    // The package stopped it: the exit that followed is not the worker's own.
    expect(error.message).toMatch(
      /process: stopped by worker-orcd-jest at the start-up deadline \(1500 ms, startupTimeoutMs\); it then (exited with code \d+|was killed by signal SIG\w+)/,
    );
  });

  it("rounds fractional timeouts up and rejects unusable ones with the option's name and range", async () => {
    const w = await startMock({ requestTimeoutMs: 30000.5, idleTimeoutMs: 2000.25 });
    const events = await w.client.execute(
      { job_id: "frac", prompt: "hi", max_tokens: 3 },
      { timeoutMs: 5000.5 },
    );
    expect(events.at(-1)).toMatchObject({ type: "end" });
    expect(() => new WorkerClient(w.baseUrl, { idleTimeoutMs: 3e9 })).toThrow(
      /WorkerClient option idleTimeoutMs must be from 1 to 2147483647 ms/,
    );
    await expect(
      w.client.execute({ job_id: "x", prompt: "hi", max_tokens: 1 }, { timeoutMs: 1e10 }),
    ).rejects.toThrow(/per-call option timeoutMs must be from 1 to 2147483647 ms.*got 10000000000/);
    await expect(w.client.health({ timeoutMs: Number.NaN })).rejects.toBeInstanceOf(ConfigError);
    await expect(startMock({ startupTimeoutMs: 0 })).rejects.toThrow(/startupTimeoutMs must be from 1/);
    expect(() => resolveOptions({ requestTimeoutMs: 1e10 }, undefined, "/")).toThrow(
      /testEnvironmentOptions.workerOrcd.requestTimeoutMs must be from 1 to 2147483647 ms/,
    );
    expect(() => resolveOptions(undefined, { idleTimeoutMs: 3e9 }, "/")).toThrow(
      /@jest-environment-options workerOrcd.idleTimeoutMs must be from 1/,
    );
    expect(resolveOptions({ startupTimeoutMs: 1500.2 }, undefined, "/").startupTimeoutMs).toBe(1501);
  });
});
