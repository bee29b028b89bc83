import { afterAll, describe, expect, it } from "@jest/globals";
import { resolveOptions } from "../../src/config/options";
import { describeEvents } from "../../src/protocol/timeline";
import { renderHtml } from "../../src/report/html";
import type { RunReport } from "../../src/report/types";
import { banner, planWorker } from "../../src/scope/plan";
import { percent } from "../../src/util/percent";
import { startMock, stopAllMocks } from "../helpers/mock";

// The smaller messages a user reads.

afterAll(stopAllMocks);

describe("messages say what they mean", () => {
  it("a tolerance is never shown as 0 %, a timeline's tok/s is rounded", () => {
    expect([0.25, 0.0001, 0.001, 1.5].map(percent)).toEqual(["25 %", "0.01 %", "0.1 %", "150 %"]);
    const line = describeEvents([{ type: "metrics", tokens_per_sec: 846.7393637099436 } as never]);
    expect(line).toContain("metrics 846.7 tok/s");
    expect(line).not.toContain("846.739");
  });

  it('the banner says "model: <path> not found", not "model: model <path> not found"', () => {
    const options = resolveOptions({ model: "/nowhere/m.gguf", mode: "mock" }, {}, "/tmp");
    const text = banner(planWorker(options, { gpus: [], reason: "nvidia-smi not found" }), {
      gpus: [],
      reason: "nvidia-smi not found",
    });
    expect(text).toMatch(/model: \/nowhere\/m\.gguf not found/);
    expect(text).not.toMatch(/model: model /);
  });

  it("a failure's log tail shows the lines that explain something, not the mock's load progress", async () => {
    const error = (await startMock({
      startupTimeoutMs: 400,
      env: { WORKER_ORCD_MOCK_FAULT: "slow-ready:3000" },
    }).catch((e) => e)) as Error;
    expect(error.message).toMatch(/not ready within 400 ms/);
    expect(error.message).toMatch(/Worker starting/);
    expect(error.message).not.toMatch(/model load progress/);
  });

  it("the HTML report uses a 1400 px page, names cut names in a tooltip, one row per file and kind, a y-axis title", () => {
    const long = "a very long test name that goes on and on past what the label column holds";
    const job = {
      test: long,
      jobId: "j",
      worker: "w",
      promptChars: 1,
      outcome: "eos",
      tokens: 3,
      ttftMs: 2,
      tokensPerSec: 9,
      totalMs: 5,
      streamed: true,
      arrivals: [2, 3, 5],
    };
    const harness = (pid: number) => ({
      role: "harness",
      kind: "mock",
      binary: "mock",
      model: "mock",
      device: 0,
      baseUrl: "u",
      pid,
      startupMs: 100 + pid,
      reused: false,
    });
    const report = {
      schema: 1,
      package: { name: "worker-orcd-jest", version: "0" },
      date: "d",
      machine: { hostname: "h", platform: "p", cpus: 2, cpuModel: "c", memoryGiB: 1, node: "v20" },
      gpu: null,
      model: null,
      files: [{ file: "harness.test.ts", workers: [harness(1), harness(2)], jobs: [job] }],
      totals: { files: 1, workersStarted: 2, jobs: 1, tokens: 3 },
    } as unknown as RunReport;
    const html = renderHtml(report);
    const widths = [...html.matchAll(/<svg class="chart" viewBox="0 0 (\d+)/g)].map((m) => Number(m[1]));
    expect(Math.min(...widths)).toBeGreaterThanOrEqual(1300);
    expect(html).toContain(`<title>${long}</title>`);
    expect(html.match(/class="label"><title>harness\.test\.ts \(harness mock\)<\/title>/g)).toHaveLength(1);
    expect(html).toContain(">tokens received</text>");
  });
});
