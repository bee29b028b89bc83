import { afterAll, describe, expect, it } from "@jest/globals";
import { WorkerStartupError } from "../../src/worker/errors";
import { isAlive, listProcesses } from "../../src/worker/processes";
import { startMock, stopAllMocks } from "../helpers/mock";

afterAll(stopAllMocks);

const request = { job_id: "f", prompt: "fault", max_tokens: 30, seed: 9 };
const fault = (mode: string, more: Record<string, string> = {}) => ({
  env: { WORKER_ORCD_MOCK_FAULT: mode, ...more },
});

describe("mock worker fault modes", () => {
  it("tiny-chunks, crlf and split-data decode to the same events as the plain stream", async () => {
    const plain = await startMock();
    const odd = await startMock(fault("tiny-chunks,crlf,split-data"));
    const raw = await odd.client.executeRaw(request);
    expect(raw.text).toContain("\r\n");
    expect(raw.text).toMatch(/data: [^\r]*\r\ndata: /);
    const expected = await plain.client.execute(request);
    const got = await odd.client.execute(request);
    const shape = (events: object[]) =>
      events.map((e) => ({
        ...e,
        started_at: undefined,
        decode_time_ms: undefined,
        tokens_per_sec: undefined,
      }));
    expect(shape(got)).toEqual(shape(expected));
  });

  it("never-ready fails startup at the deadline, saying what was awaited", async () => {
    const error = await startMock({ ...fault("never-ready"), startupTimeoutMs: 400 }).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerStartupError);
    expect(error.message).toMatch(/not ready within 400 ms \(startupTimeoutMs\)/);
    expect(error.message).toMatch(/readiness callback \(not received\)/);
    expect(error.message).toMatch(/mock fault never-ready/);
  });

  it("slow-ready becomes ready after the load time", async () => {
    const w = await startMock(fault("slow-ready:300"));
    expect(w.startupMs).toBeGreaterThanOrEqual(300);
  });

  it("exit-cuda ends startup at once with the CUDA error in the message", async () => {
    const t0 = performance.now();
    const error = await startMock({ ...fault("exit-cuda"), startupTimeoutMs: 20_000 }).catch((e) => e);
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(error.message).toMatch(/exited before it was ready/);
    expect(error.message).toMatch(/process: exited with code 1/);
    expect(error.message).toMatch(/CUDA_ERROR/);
    expect(error.message).toMatch(/\[stderr\] CUDA error at cuda_init.cpp/);
  });

  it("no-callback is still ready, by /health alone", async () => {
    const w = await startMock(fault("no-callback"));
    expect(w.callbackBody).toBeUndefined();
    await expect(w.client.health()).resolves.toMatchObject({ status: "healthy" });
  });

  it("inference-failed ends each job with error INFERENCE_FAILED after started", async () => {
    const w = await startMock(fault("inference-failed"));
    const events = await w.client.execute(request);
    expect(events.map((e) => e.type)).toEqual(["started", "error"]);
    expect(events[1]).toMatchObject({ code: "INFERENCE_FAILED", retriable: false });
  });

  it("ignore-sigterm keeps running with a child; stop() kills both after the grace", async () => {
    const w = await startMock({ ...fault("ignore-sigterm"), shutdownGraceMs: 300 });
    const before = listProcesses().filter((p) => p.pgid === w.pid);
    expect(before.length).toBeGreaterThanOrEqual(2);
    const report = await w.stop();
    expect(report.forced).toBe(true);
    expect(report.ms).toBeGreaterThanOrEqual(300);
    expect(before.filter((p) => isAlive(p.pid))).toEqual([]);
  });
});
