import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "@jest/globals";
import { writeLlamaModel } from "../../src/gguf/llama-model";
import type { RunReport } from "../../src/report/types";
import type { Transcript } from "../../src/transcripts/types";
import { FixtureProject, REPO } from "../helpers/jest-run";
import { describeLlama } from "../helpers/llama";

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

const SENTENCE = "The quick brown fox jumps over the lazy dog.";
const TEST = `test("the model says its sentence", async () => {
  const events = await worker.execute({ job_id: "fox", prompt: "The quick", max_tokens: 40, temperature: 0, seed: 1 }, { record: "fox" });
  expect(events).toCompleteSuccessfully();
  expect(events).toHaveStopReason("eos");
  expect(events).toHaveText(" brown fox jumps over the lazy dog.");
  expect(events).toMatchTranscript("fox");
});
`;

describeLlama("mode llama in a Jest run", () => {
  it("runs a suite on real llama.cpp tokens, reports its load time and TTFT, and its transcripts replay in the mock", async () => {
    const p = new FixtureProject({
      testEnvironmentOptions: { workerOrcd: { mode: "llama", model: "fox.gguf", recordTranscripts: true } },
      reporters: ["default", [join(REPO, "reporter.js"), { outputDir: "out" }]],
    });
    projects.push(p);
    writeLlamaModel(join(p.dir, "fox.gguf"), { text: SENTENCE });
    p.write("fox.test.js", TEST);
    const run = await p.run(["--ci=false"]);
    expect(run.out).toMatch(/Tests: +1 passed, 1 total/);
    expect(run.out).toMatch(
      /mock worker \(mode is llama: the mock's protocol with llama\.cpp tokens from .*fox\.gguf\)/,
    );
    expect(run.code).toBe(0);

    const report: RunReport = JSON.parse(readFileSync(join(p.dir, "out", "worker-orcd-report.json"), "utf8"));
    const [file] = report.files;
    // Start-up includes loading llama.cpp and the model: far above the mock's few milliseconds of simulated load.
    expect(file.workers[0].startupMs).toBeGreaterThan(0);
    expect(file.workers[0].vramBytes).toBeGreaterThan(100_000);
    expect(file.jobs[0]).toMatchObject({ jobId: "fox", outcome: "eos", tokens: 7 });
    expect(file.jobs[0].ttftMs).toBeGreaterThan(0);
    expect(file.jobs[0].tokensPerSec).toBeGreaterThan(0);
    expect(run.out).toMatch(/fox\.test\.js +mock +\S+ +1 +7 /);

    const transcript: Transcript = JSON.parse(
      readFileSync(join(p.dir, "__transcripts__", "fox.test.js", "fox.json"), "utf8"),
    );
    expect(transcript.context).toMatchObject({ kind: "mock", model: { file: "fox.gguf" } });
    expect(transcript.events.filter((e) => e.type === "token")).toHaveLength(7);

    // The recorded llama.cpp stream, served back by the mock without the model or node-llama-cpp.
    const replay = await p.run(["--ci"], {
      WORKER_ORCD_MODE: "replay",
      WORKER_ORCD_LLAMA_PATH: "/nonexistent",
    });
    expect(replay.out).toMatch(/mode is replay/);
    expect(replay.out).toMatch(/Tests: +1 passed, 1 total/);
    expect(await p.survivors()).toEqual([]);
  }, 120_000);
});
