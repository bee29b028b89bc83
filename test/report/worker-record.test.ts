import { describe, expect, it } from "@jest/globals";
import { measuredStartup, workerRecord } from "../../src/report/worker-record";
import type { FileWorker } from "../../src/worker/worker-process";

const worker = (binary: string) =>
  ({
    spec: { binary, model: "m.gguf", gpuDevice: 0 },
    baseUrl: "http://127.0.0.1:1",
    pid: 7,
    startupMs: 120,
    startupBlockedMs: 0,
    callbackBody: { vram_bytes: 10 },
    readyHealth: { vram_bytes_used: 20 },
  }) as unknown as FileWorker;

describe("the run report's record of a worker", () => {
  it("takes its kind from the plan, not from the binary's name", () => {
    expect(workerRecord("env", worker("attached"), { kind: "attached" }).kind).toBe("attached");
    expect(workerRecord("env", worker("/opt/worker-orcd"), { kind: "real" }).kind).toBe("real");
    expect(workerRecord("harness", worker("mock")).kind).toBe("mock");
    expect(workerRecord("harness", worker("/opt/worker-orcd")).kind).toBe("real");
  });

  it("counts a start-up figure only for a worker started for the file while nothing else ran", () => {
    const fresh = workerRecord("env", worker("mock"), { kind: "mock" });
    expect(fresh).toMatchObject({ reused: false, startupMs: 120, vramBytes: 10, vramBytesUsed: 20 });
    expect(measuredStartup(fresh)).toBe(true);
    expect(measuredStartup(workerRecord("env", worker("mock"), { kind: "mock", reused: true }))).toBe(false);
    expect(measuredStartup(workerRecord("env", worker("mock"), { kind: "mock", ahead: true }))).toBe(false);
    expect(measuredStartup(workerRecord("env", worker("x"), { kind: "attached" }))).toBe(false);
  });
});
