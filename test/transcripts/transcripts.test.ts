import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import type { Transcript } from "../../src/transcripts/types";
import { FixtureProject } from "../helpers/jest-run";

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

/** The test helper runs Jest with --ci; these runs are a developer's (new transcripts are written). */
const LOCAL = ["--ci=false"];
const REQUEST = `{ job_id: "a", prompt: "hello", max_tokens: 8, temperature: 0, seed: 7 }`;
/** A file that records a call and compares with the transcript. */
const RECORD_AND_MATCH = `test("records and matches", async () => {
  const events = await worker.execute(${REQUEST}, { record: "hello" });
  expect(events).toMatchTranscript("hello");
});
test("streams and records", async () => {
  const seen = [];
  for await (const e of worker.stream({ job_id: "b", prompt: "stream me", max_tokens: 5, seed: 1 }, { record: "streamed" })) seen.push(e);
  expect(seen).toMatchTranscript("streamed");
});
`;
const project = (workerOrcd: Record<string, unknown> = {}) => {
  const p = new FixtureProject({
    testEnvironmentOptions: { workerOrcd: { mockArgs: ["--eos-after", "0"], ...workerOrcd } },
    reporters: ["default"],
  });
  projects.push(p);
  return p;
};
const file = (p: FixtureProject, name: string) => join(p.dir, "__transcripts__", "t.test.js", name);
const read = (p: FixtureProject, name: string): Transcript => JSON.parse(readFileSync(file(p, name), "utf8"));
const SCRIPTED = {
  WORKER_ORCD_MOCK_SCRIPT: JSON.stringify({ tokens: [" hello", " there", " changed"], end: "eos" }),
};

describe("transcripts", () => {
  it("records beside the test like a snapshot, compares (pass), fails with a token diff when the output changes, and -u rewrites", async () => {
    const p = project();
    p.write("t.test.js", RECORD_AND_MATCH);
    const first = await p.run(LOCAL);
    expect(first.out).toMatch(/Tests: +2 passed, 2 total/);
    const t = read(p, "hello.json");
    expect(t).toMatchObject({
      schema: 1,
      name: "hello",
      test: "records and matches",
      request: { job_id: "a", prompt: "hello", max_tokens: 8, seed: 7 },
      context: {
        kind: "mock",
        binary: "mock",
        model: { file: "mock" },
        packageVersion: expect.any(String),
        fingerprint: {
          binary: { path: "mock" },
          model: { path: "mock" },
          versions: { node: process.version },
        },
      },
    });
    expect(t.events[0]).toMatchObject({ type: "started", job_id: "a" });
    expect(t.events.filter((e) => e.type === "token")).toHaveLength(8);
    expect(t.receivedAt).toHaveLength(t.events.length);
    expect(read(p, "streamed.json").events.at(-1)).toMatchObject({ type: "end", tokens_out: 5 });

    expect((await p.run(["--ci"])).out).toMatch(/Tests: +2 passed, 2 total/); // same output, nothing written

    const changed = await p.run(["--ci"], SCRIPTED);
    expect(changed.code).toBe(1);
    expect(changed.out).toMatch(
      /transcript "hello" \(recorded .* by test "records and matches"\): token #0 differs \(recorded 8 tokens, received 3\)/,
    );
    expect(changed.out).toMatch(/recorded: \[".*"\] ".*"/);
    expect(changed.out).toMatch(/received: \[" hello"\] " there" " changed"/);
    expect(changed.out).toContain(
      "If the change is expected, re-record it with -u (`jest -u`, `vitest -u`).",
    );

    const updated = await p.run([...LOCAL, "-u"], SCRIPTED);
    expect(updated.out).toMatch(/Tests: +2 passed, 2 total/);
    expect(
      read(p, "hello.json")
        .events.filter((e) => e.type === "token")
        .map((e) => (e as { t: string }).t),
    ).toEqual([" hello", " there", " changed"]);
  }, 90_000);

  it("--ci never writes a new transcript and fails instead, naming how to record it", async () => {
    const p = project();
    p.write("t.test.js", RECORD_AND_MATCH);
    const ci = await p.run(["--ci"]);
    expect(ci.code).toBe(1);
    expect(ci.out).toMatch(
      /transcript "hello" \(.*hello\.json\) does not exist, and a CI run \(Jest's --ci; Vitest with CI set\) does not write new transcripts/,
    );
    expect(existsSync(file(p, "hello.json"))).toBe(false);
  }, 60_000);

  it("replays a suite recorded in another run with no generation: same events, recorded timing, and a clear error for an unrecorded request", async () => {
    const p = project();
    p.write("t.test.js", RECORD_AND_MATCH);
    expect((await p.run(LOCAL)).out).toMatch(/Tests: +2 passed, 2 total/);
    const recorded = read(p, "hello.json");
    p.write(
      "t.test.js",
      `${RECORD_AND_MATCH}
test("replays what was recorded", async () => {
  expect(worker.why).toMatch(/replay/);
  const events = await worker.execute(${REQUEST.replace('"a"', '"another-id"')});
  expect(events.map((e) => e.type === "started" ? { ...e, job_id: "a" } : e)).toEqual(${JSON.stringify(recorded.events)});
});
test("names the closest recorded request when none matches", async () => {
  await expect(worker.execute({ job_id: "x", prompt: "hello!", max_tokens: 8, temperature: 0, seed: 7 })).rejects.toThrow(
    /NO_TRANSCRIPT.*the closest is \\\\"hello\\\\" \\(__transcripts__\\/t.test.js\\/hello.json\\), which differs in prompt: recorded \\\\"hello\\\\", requested \\\\"hello!\\\\"/,
  );
});`,
    );
    // A scripted mock would generate other tokens: replay must not generate at all.
    const replay = await p.run(["--ci"], { WORKER_ORCD_MODE: "replay", ...SCRIPTED });
    expect(replay.out).toMatch(/mock worker \(mode is replay/);
    expect(replay.out).toMatch(/Tests: +4 passed, 4 total/);
  }, 90_000);

  it("lists transcripts no test used (obsolete) and -u removes them; keyed by GPU, names carry the GPU kind", async () => {
    const p = project({ transcriptKey: "gpu" });
    p.write("t.test.js", RECORD_AND_MATCH);
    expect((await p.run(LOCAL)).out).toMatch(/Tests: +2 passed, 2 total/);
    expect(existsSync(file(p, "hello@no-gpu.json"))).toBe(true);
    writeFileSync(file(p, "gone@no-gpu.json"), readFileSync(file(p, "hello@no-gpu.json")));
    writeFileSync(file(p, "other@NVIDIA-H200.json"), readFileSync(file(p, "hello@no-gpu.json")));
    const listed = await p.run(LOCAL);
    expect(listed.out).toMatch(
      /1 obsolete transcript\(s\), used by no test of this run \(run with -u to remove them\):\n.*gone@no-gpu\.json/,
    );
    expect(listed.out).not.toContain("other@NVIDIA-H200.json"); // another GPU's transcripts are not this run's to judge
    const removed = await p.run([...LOCAL, "-u"]);
    expect(removed.out).toMatch(/1 obsolete transcript\(s\).*\(removed: -u\)/);
    expect(existsSync(file(p, "gone@no-gpu.json"))).toBe(false);
    expect(existsSync(file(p, "other@NVIDIA-H200.json"))).toBe(true);
  }, 90_000);

  it("recordTranscripts records every call under its job id; a bad name is a clear error", async () => {
    const p = project({ recordTranscripts: true });
    p.write(
      "t.test.js",
      `test("every call", async () => {
  await worker.execute({ job_id: "job-one", prompt: "a", max_tokens: 2 });
  await expect(worker.execute({ job_id: "j", prompt: "a", max_tokens: 2 }, { record: "../escape" })).rejects.toThrow(
    'transcript name "../escape" must be 1-120 letters, digits, spaces',
  );
});`,
    );
    expect((await p.run(LOCAL)).out).toMatch(/Tests: +1 passed, 1 total/);
    expect(read(p, "job-one.json").request).toMatchObject({ job_id: "job-one" });
  }, 60_000);
});

describe("transcripts a user can trust", () => {
  const DIST = JSON.stringify(join(__dirname, "..", "..", "dist"));

  it("-u keeps the transcripts of tests that did not run (itGpu on a CPU runner, skipped, failed) and removes those of tests that are gone", async () => {
    const p = project();
    p.write(
      "t.test.js",
      `test("gpu answer", async () => { await worker.execute(${REQUEST}, { record: "gpu" }); });
test("skipped later", async () => { await worker.execute({ job_id: "s", prompt: "s", max_tokens: 2 }, { record: "skipped" }); });
test("fails later", async () => { await worker.execute({ job_id: "f", prompt: "f", max_tokens: 2 }, { record: "failing" }); });
test("gone later", async () => { await worker.execute({ job_id: "g", prompt: "g", max_tokens: 2 }, { record: "gone" }); });
`,
    );
    expect((await p.run(LOCAL)).out).toMatch(/Tests: +4 passed, 4 total/);
    // As on a CPU runner: the GPU test is an itGpu now, one test is skipped, one fails first, one was deleted.
    p.write(
      "t.test.js",
      `const { itGpu } = require(${DIST});
itGpu("gpu answer", async () => { await worker.execute(${REQUEST}, { record: "gpu" }); });
test.skip("skipped later", async () => {});
test("fails later", async () => { throw new Error("broken before the call"); });
test("other", async () => { await worker.health(); });
`,
    );
    const updated = await p.run([...LOCAL, "-u"]);
    expect(updated.out).toMatch(/1 obsolete transcript\(s\).*\(removed: -u\):\n.*gone\.json/);
    for (const kept of ["gpu.json", "skipped.json", "failing.json"])
      expect(existsSync(file(p, kept))).toBe(true);
    expect(existsSync(file(p, "gone.json"))).toBe(false);
  }, 90_000);

  it("two names that map to one file are a clear error, not a silent loss", async () => {
    const p = project();
    p.write(
      "t.test.js",
      `test("a b then a_b", async () => {
  await worker.execute({ job_id: "1", prompt: "one", max_tokens: 2 }, { record: "a b" });
  await expect(worker.execute({ job_id: "2", prompt: "two", max_tokens: 2 }, { record: "a_b" })).rejects.toThrow(
    'transcript names "a_b" and "a b" map to the same file ' + __dirname + '/__transcripts__/t.test.js/a_b.json (a space in a name becomes "_"): rename one of them',
  );
});`,
    );
    expect((await p.run(LOCAL)).out).toMatch(/Tests: +1 passed, 1 total/);
    expect(read(p, "a_b.json").name).toBe("a b");
  }, 60_000);

  it("a damaged transcript names its file and what is wrong; replay leaves it out and says so", async () => {
    const p = project();
    p.write("t.test.js", RECORD_AND_MATCH);
    expect((await p.run(LOCAL)).out).toMatch(/Tests: +2 passed, 2 total/);
    const good = read(p, "hello.json");
    const damaged: [string, unknown, string][] = [
      ["null", null, "it holds null, not a transcript object"],
      ["empty", {}, '"schema" is undefined, expected 1'],
      ["array", [], "it holds an array"],
      ["nocontext", { ...good, name: "nocontext", context: undefined }, '"context" is missing'],
      ["noevents", { ...good, name: "noevents", events: undefined }, '"events" is missing'],
      [
        "nulls",
        { ...good, name: "nulls", events: [null, ...good.events.slice(1)] },
        "events[0] is null, not an event",
      ],
      ["notimes", { ...good, name: "notimes", receivedAt: undefined }, '"receivedAt" is missing'],
    ];
    for (const [name, value] of damaged) writeFileSync(file(p, `${name}.json`), JSON.stringify(value));
    p.write(
      "d.test.js",
      damaged
        .map(
          ([name, , wrong]) => `test("${name}", async () => {
  const events = await worker.execute({ job_id: "d", prompt: "hello", max_tokens: 2 });
  let message = "";
  try { expect(events).toMatchTranscript("${name}"); } catch (e) { message = e.message; }
  expect(message).toContain(${JSON.stringify(`${name}.json is damaged: `)});
  expect(message).toContain(${JSON.stringify(wrong)});
});`,
        )
        .join("\n"),
    );
    // The damaged files belong to t.test.js's folder; d.test.js compares with them by copying them into its own.
    for (const [name, value] of damaged)
      p.write(join("__transcripts__", "d.test.js", `${name}.json`), JSON.stringify(value));
    const compared = await p.run([...LOCAL, "d.test.js"]);
    expect(compared.out).not.toMatch(/TypeError/);
    expect(compared.out).toMatch(/Tests: +7 passed, 7 total/);
    // Replay: every good transcript is still served, the bad ones are named in the worker's log.
    p.write(
      "r.test.js",
      `test("replays around damaged files", async () => {
  const events = await worker.execute(${REQUEST.replace('"a"', '"again"')});
  expect(events.at(-1).type).toBe("end");
  expect(JSON.stringify(worker.logs)).toContain("replay leaves out __transcripts__/t.test.js/nulls.json: events[0] is null");
});`,
    );
    const replay = await p.run(["--ci", "r.test.js"], { WORKER_ORCD_MODE: "replay" });
    expect(replay.out).toMatch(/Tests: +1 passed, 1 total/);
  }, 120_000);
});

describe("worker-orcd-mock --replay", () => {
  it("sends a transcript's events at their recorded times, scaled by --replay-speed", async () => {
    const { mkdtempSync, mkdirSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { startMock, stopAllMocks } = await import("../helpers/mock");
    const dir = mkdtempSync(join(tmpdir(), "wojest-replay-"));
    try {
      mkdirSync(join(dir, "__transcripts__", "x.test.js"), { recursive: true });
      const transcript = {
        schema: 1,
        name: "slow",
        recordedAt: "2026-01-01T00:00:00Z",
        context: { kind: "real", binary: "worker-orcd", model: { file: "qwen.gguf" }, packageVersion: "0" },
        request: { job_id: "r", prompt: "p", max_tokens: 2 },
        events: [
          { type: "started", job_id: "r", model: "qwen.gguf", started_at: "2026-01-01T00:00:00Z" },
          { type: "token", t: "a", i: 0 },
          { type: "token", t: "b", i: 1 },
          { type: "end", tokens_out: 2, decode_time_ms: 600, stop_reason: "max_tokens" },
        ],
        receivedAt: [5, 300, 600, 601],
      };
      writeFileSync(join(dir, "__transcripts__", "x.test.js", "slow.json"), JSON.stringify(transcript));
      const timed = async (speed: string) => {
        const w = await startMock({ extraArgs: ["--replay", dir, "--replay-speed", speed] });
        const events = await w.client.execute({ job_id: "new-id", prompt: "p", max_tokens: 2 });
        const sent = (events as unknown as Record<symbol, { requestedAt: number }>)[
          Symbol.for("worker-orcd-jest.eventSource")
        ].requestedAt;
        return { events, last: events.at(-1)!.receivedAt! - sent, second: events[2].receivedAt! - sent };
      };
      const real = await timed("1");
      expect(real.events[0]).toMatchObject({ type: "started", job_id: "new-id" });
      expect(real.events.map((e) => e.type)).toEqual(["started", "token", "token", "end"]);
      expect(real.second).toBeGreaterThanOrEqual(550); // the recorded 600 ms, not generated at the mock's pace
      const fast = await timed("0");
      expect(fast.last).toBeLessThan(real.second); // speed 0: at once
      await expect(startMock({ extraArgs: ["--replay", join(dir, "nope")] })).rejects.toThrow(
        /--replay .*nope/,
      );
    } finally {
      await stopAllMocks();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
