import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import { afterAll, describe, expect, it } from "@jest/globals";
import { MOCK_ENTRY } from "../../src/worker/command";
import { freePort } from "../../src/worker/ports";
import { startMock, stopAllMocks } from "../helpers/mock";
import { jobStarted } from "../helpers/wait";

/**
 * Compat mode is build 5d6c9a4a of veighnsche/llama-orch (2025-10-08, the
 * parent of the commit that deleted bin/worker-orcd). Each test names the
 * source file it reproduces.
 */
afterAll(stopAllMocks);
const compat = (...more: string[]) => startMock({ extraArgs: ["--compat", ...more] });

describe("compat mode reproduces build 5d6c9a4a", () => {
  it("1, 3, 4, 5: answers 400 with validate_all()'s full list: build constraints, string values, no prompt echo, one error per stop problem (http/validation.rs)", async () => {
    const w = await compat();
    const res = await w.client.executeRaw({
      job_id: "",
      prompt: "x".repeat(32769),
      max_tokens: 0,
      temperature: 3,
      top_p: 1.5,
      repetition_penalty: -0.5,
      stop: ["", "a", "b", "c", "d".repeat(101)],
      min_p: 2,
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      errors: [
        { field: "job_id", constraint: "non_empty", message: "job_id must not be empty", value: "" },
        {
          field: "prompt",
          constraint: "length(1..=32768)",
          message: "prompt must be at most 32768 characters (got 32769)",
        },
        {
          field: "max_tokens",
          constraint: "range(1..=2048)",
          message: "max_tokens must be at least 1",
          value: "0",
        },
        {
          field: "temperature",
          constraint: "range(0.0..=2.0)",
          message: "temperature must be at most 2.0 (got 3)",
          value: "3",
        },
        {
          field: "top_p",
          constraint: "range(0.0..=1.0)",
          message: "top_p must be at most 1.0 (got 1.5)",
          value: "1.5",
        },
        {
          field: "repetition_penalty",
          constraint: "range(0.0..=2.0)",
          message: "repetition_penalty must be at least 0.0 (got -0.5)",
          value: "-0.5",
        },
        {
          field: "stop",
          constraint: "max_count(4)",
          message: "stop must have at most 4 sequences (got 5)",
          value: "5",
        },
        { field: "stop", constraint: "non_empty", message: "stop sequence 0 must not be empty" },
        {
          field: "stop",
          constraint: "max_length(100)",
          message: "stop sequence 4 must be at most 100 bytes (got 101)",
        },
        {
          field: "min_p",
          constraint: "range(0.0..=1.0)",
          message: "min_p must be at most 1.0 (got 2)",
          value: "2",
        },
      ],
    });
  });

  it("2: answers a missing or mistyped field with the framework's 422 in plain text (axum Json + serde, worker-http/src/execute.rs)", async () => {
    const w = await compat();
    const cases: [object, RegExp][] = [
      [
        { prompt: "x", max_tokens: 1 },
        /^Failed to deserialize the JSON body into the target type: missing field `job_id` at line 1 column \d+$/,
      ],
      [{ job_id: "a", max_tokens: 1 }, /missing field `prompt`/],
      [{ job_id: "a", prompt: "x" }, /missing field `max_tokens`/],
      [
        { job_id: "a", prompt: "x", max_tokens: "abc" },
        /max_tokens: invalid type: string "abc", expected u32/,
      ],
      [
        { job_id: "a", prompt: "x", max_tokens: 1, top_k: -1 },
        /top_k: invalid value: integer `-1`, expected u32/,
      ],
      [{ job_id: 5, prompt: "x", max_tokens: 1 }, /job_id: invalid type: integer `5`, expected a string/],
      [
        { job_id: "a", prompt: "x", max_tokens: 1, stop: "END" },
        /stop: invalid type: string "END", expected a sequence/,
      ],
    ];
    for (const [body, text] of cases) {
      const res = await w.client.executeRaw(body);
      expect(res.status).toBe(422);
      expect(res.headers["content-type"]).toMatch(/^text\/plain/);
      expect(res.text).toMatch(text);
    }
    const spec = await startMock();
    expect((await spec.client.executeRaw({ job_id: "a", max_tokens: 1 })).status).toBe(400);
  });

  it("6: skips the readiness callback for a URL containing localhost:9999 (bin/worker-orcd/src/main.rs)", async () => {
    const port = await freePort();
    const args = [
      "--worker-id",
      "w",
      "--model",
      "mock",
      "--gpu-device",
      "0",
      "--port",
      String(port),
      "--compat",
    ];
    const run = spawnSync(
      process.execPath,
      [MOCK_ENTRY, ...args, "--callback-url", "http://localhost:9999/ready"],
      {
        encoding: "utf8",
        timeout: 1500,
      },
    );
    expect(run.stdout).toMatch(/Test mode: skipping pool manager callback/);
    expect(run.stdout).toMatch(/Worker ready, starting HTTP server/);
  });

  it("7: binds the address given by --bind (the build binds 0.0.0.0; the mock's default stays 127.0.0.1)", async () => {
    const w = await startMock({ extraArgs: ["--bind", "0.0.0.0"] });
    expect(w.logs.tail(50).join("\n")).not.toMatch(/failed to bind/);
    const res = await fetch(`http://localhost:${w.port}/health`);
    expect(res.status).toBe(200);
  });

  it("8: takes any u16 port and fails at bind time with BindFailed (worker-http/src/server.rs)", async () => {
    const holder = createServer().listen(0, "127.0.0.1");
    await new Promise((r) => holder.once("listening", r));
    const port = (holder.address() as { port: number }).port;
    const args = (p: number) => [
      "--worker-id",
      "w",
      "--model",
      "mock",
      "--gpu-device",
      "0",
      "--port",
      String(p),
    ];
    try {
      const run = spawnSync(
        process.execPath,
        [MOCK_ENTRY, ...args(port), "--compat", "--callback-url", "http://localhost:9999/x"],
        { encoding: "utf8", timeout: 5000 },
      );
      expect(run.status).toBe(1);
      expect(run.stdout + run.stderr).toMatch(
        new RegExp(`Failed to bind to 127\\.0\\.0\\.1:${port}: address already in use`),
      );
    } finally {
      holder.close();
    }
    // Below 1024: the build accepts it (a u16) and fails only when binding; the specification's range rejects it.
    expect(spawnSync(process.execPath, [MOCK_ENTRY, ...args(80)], { encoding: "utf8" }).status).toBe(2);
  });

  it("9, 10: ignores stop sequences and reports MAX_TOKENS where generation hit EOS (worker-common sampling_config.rs, inference_executor.rs)", async () => {
    const w = await compat("--eos-after", "3", "--token-interval-ms", "0");
    const events = await w.client.execute({ job_id: "s", prompt: "x", max_tokens: 20, stop: [" "] });
    expect(events.filter((e) => e.type === "token")).toHaveLength(3);
    expect(events.at(-1)).toEqual({
      type: "end",
      tokens_out: 3,
      decode_time_ms: expect.any(Number),
      stop_reason: "MAX_TOKENS",
    });
  });

  it("11: blocks /health, the /cancel 404 and a second /execute until the running job ends (current_thread runtime, main.rs)", async () => {
    const w = await compat("--eos-after", "0", "--token-interval-ms", "5");
    const running = w.client.execute({ job_id: "long", prompt: "x", max_tokens: 60 });
    await jobStarted(w, "long");
    const t0 = performance.now();
    const [health, cancel, second] = await Promise.all([
      w.client.health().then(() => performance.now() - t0),
      fetch(`${w.baseUrl}/cancel`, { method: "POST", body: "{}" }).then((r) => [
        r.status,
        performance.now() - t0,
      ]),
      w.client.execute({ job_id: "next", prompt: "x", max_tokens: 1 }).then(() => performance.now() - t0),
    ]);
    const done = (await running).at(-1);
    expect(done).toMatchObject({ type: "end", stop_reason: "MAX_TOKENS" });
    expect(cancel[0]).toBe(404);
    // Each answer came only after the job's 60 tokens at 5 ms (about 300 ms), not at once.
    for (const ms of [health, cancel[1] as number, second]) expect(ms).toBeGreaterThan(150);
  });
});
