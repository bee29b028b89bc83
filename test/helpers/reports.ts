import type { RunReport } from "../../src/report/types";

/**
 * A small run report for the report's unit tests: one file of `n` jobs whose
 * TPOT is about `tpot` ms (a seeded spread), on machine `cpu`.
 */
export function smallReport(tpot: number, o: { n?: number; cpu?: string; file?: string } = {}): RunReport {
  const spread = (k: number) => 1 + 0.02 * Math.sin(k * 7.3);
  return {
    schema: 1,
    date: "2026-12-07T00:00:00.000Z",
    machine: {
      cpus: 2,
      cpuModel: o.cpu ?? "cpu",
      hostname: "h",
      platform: "linux x64",
      memoryGiB: 8,
      node: "v20",
    },
    gpu: null,
    model: null,
    package: { name: "worker-orcd-jest", version: "0.1.0" },
    files: [
      {
        file: o.file ?? "a.test.js",
        workers: [],
        jobs: Array.from({ length: o.n ?? 12 }, (_, k) => ({
          test: "t",
          jobId: `j${k}`,
          tokens: 20,
          ttftMs: 10 * spread(k),
          tpotMs: tpot * spread(k),
          totalMs: 10 + 19 * tpot,
          tokensPerSec: 1000 / (tpot * spread(k)),
          arrivals: [],
        })),
      },
    ],
    totals: { files: 1, workersStarted: 1, jobs: o.n ?? 12, tokens: 20 * (o.n ?? 12) },
  } as unknown as RunReport;
}
