import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { compareBuildsMain } from "../../src/builds/cli";
import { differencesOf, logFormatOf } from "../../src/builds/run";
import { MOCK_PACE } from "../../src/worker/command";
import { startMock, stopAllMocks } from "../helpers/mock";
import { sink } from "../helpers/sink";

const dir = mkdtempSync(join(tmpdir(), "wojest-compare-builds-"));
afterAll(async () => {
  await stopAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command in this process (it starts real worker processes); its exit code and output. */
async function run(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await compareBuildsMain(args, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe("compare-builds: two builds, the same probes", () => {
  it("the mock against itself: every probe the same, exit 0, JSON and an HTML page", async () => {
    const json = join(dir, "same.json");
    const r = await run(["--bin", "mock", "--bin", "mock", "--json", json, "-o", join(dir, "same")]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^seeded +24 tok, end max_tokens +24 tok, end max_tokens +same$/m);
    expect(r.out).toMatch(/^cancel +0 tok, error CANCELLED +0 tok, error CANCELLED +same$/m);
    expect(r.out).toMatch(
      /^TTFT +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms +[\d.]+ ms +[+-]\d+ % \[[+-]\d+ %, [+-]\d+ %\] +15\/15$/m,
    );
    expect(r.out).toMatch(/no difference that counts/);
    const result = JSON.parse(readFileSync(json, "utf8"));
    expect(result.differing).toEqual([]);
    expect(result.probes.map((p: { id: string }) => p.id)).toEqual([
      "seeded",
      "greedy",
      "stop-sequence",
      "utf8",
      "long",
      "cancel",
      "invalid-fields",
      "missing-field",
      "log-format",
    ]);
    expect(result.builds[0].fingerprint).toMatchObject({ binary: { path: "mock" } });
    const html = readFileSync(join(dir, "same", "compare-builds.html"), "utf8");
    expect(html).toContain("No difference that counts.");
    expect(html).not.toMatch(/<script|<link|<img|src=|https?:\/\//);
  }, 60_000);

  it("the mock against its compat mode: exit 1, naming the token strings, the endings, the 422 and the log format", async () => {
    // What --allow names does not count: shown as allowed, left out of the verdict.
    const r = await run(["--bin", "mock", "--bin", "mock-compat", "--allow", "missing-field,log-format"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^missing-field +0 tok, HTTP 400 +0 tok, HTTP 422 +differs \(allowed\)$/m);
    expect(r.out).toMatch(/seeded: tokens part at #0 \(A 24, B 24\): A \[" world"\] .*; B \["Ġworld"\]/);
    expect(r.out).toMatch(/seeded: ending: A "end max_tokens", B "end MAX_TOKENS"/);
    expect(r.out).toMatch(/missing-field: ending: A "HTTP 400", B "HTTP 422"/);
    expect(r.out).toMatch(
      /log-format: log format: A stdout: flat JSON \(message at the top\); stderr: nothing; B stdout: tracing JSON \(message under fields\); stderr: plain text/,
    );
    expect(r.out).toMatch(/^invalid-fields +0 tok, HTTP 400 +0 tok, HTTP 400 +same$/m);
    expect(r.out).toMatch(/6 probe\(s\) differ: seeded, greedy, stop-sequence, utf8, long, cancel$/m);
  }, 60_000);

  it("attaches to a running worker by its URL (its log is not this command's: the log format is not compared)", async () => {
    const w = await startMock({ extraArgs: MOCK_PACE });
    const r = await run(["--bin", "mock", "--bin", w.baseUrl]);
    expect(r.out).toMatch(/B: http:\/\/127\.0\.0\.1:\d+; .*log: not seen \(attached/);
    expect(r.code).toBe(0);
  }, 60_000);

  it("says what is wrong with its arguments (exit 2)", async () => {
    const one = await run(["--bin", "mock"]);
    expect(one.code).toBe(2);
    expect(one.err).toMatch(/give --bin exactly twice \(the two builds\), got 1/);
    const typo = await run(["--bin", "mock", "--bin", "mock", "--allow", "seded"]);
    expect(typo.code).toBe(2);
    expect(typo.err).toMatch(/--allow: unknown probe "seded" \(did you mean `seeded`\?\)/);
    const missing = await run(["--bin", join(dir, "nope"), "--bin", "mock", "--model", "mock"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(
      /--bin .*nope: worker binary .*nope not found; or use mock, mock-compat or a URL/,
    );
    const noModel = await run(["--bin", process.execPath, "--bin", "mock"]);
    expect(noModel.err).toMatch(/--model is required where a --bin is a real worker/);
    const down = await run(["--bin", "mock", "--bin", "http://127.0.0.1:9"]);
    expect(down.code).toBe(2);
    expect(down.err).toMatch(/--bin http:\/\/127\.0\.0\.1:9: no worker answered GET \/health/);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^usage: worker-orcd-jest compare-builds --bin <a> --bin <b>/);
  }, 60_000);

  it("tells differences apart: tokens, ending and the fields a rejection names; log shapes per stream", () => {
    expect(
      differencesOf({ tokens: ["a", "b"], ending: "end eos" }, { tokens: ["a", "b"], ending: "end eos" }),
    ).toEqual([]);
    expect(
      differencesOf({ tokens: ["a", "b"], ending: "end eos" }, { tokens: ["a"], ending: "end max_tokens" }),
    ).toEqual([
      'tokens part at #1 (A 2, B 1): A "a" ["b"]; B "a" [(no token: the run ended here)]',
      'ending: A "end eos", B "end max_tokens"',
    ]);
    expect(
      differencesOf(
        { tokens: [], ending: "HTTP 400", fields: ["job_id"] },
        { tokens: [], ending: "HTTP 400", fields: ["job_id", "prompt"] },
      ),
    ).toEqual(["fields named: A [job_id], B [job_id,prompt]"]);
    expect(
      logFormatOf([
        { stream: "stdout", text: '{"fields":{"message":"x"}}', json: { fields: { message: "x" } } },
        { stream: "stderr", text: "CUDA debug" },
      ]),
    ).toBe("stdout: tracing JSON (message under fields); stderr: plain text");
  });
});
