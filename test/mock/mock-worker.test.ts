import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "@jest/globals";
import { parseOptions } from "../../src/mock/options";
import type { ReceivedEvent } from "../../src/protocol/events";
import { MOCK_ENTRY } from "../../src/worker/command";
import { freePort } from "../../src/worker/ports";
import { mockArgs, startMock, stopAllMocks } from "../helpers/mock";
import { waitFor } from "../helpers/wait";

afterAll(stopAllMocks);

const text = (events: ReceivedEvent[]) => events.map((e) => (e.type === "token" ? e.t : "")).join("");

/**
 * Starts a job and resolves once its first token has arrived: the job is
 * known to be running (an event, not a guess at how fast this machine is).
 * `done` resolves to all its events, or rejects as the stream does.
 */
async function startedJob(
  w: Awaited<ReturnType<typeof startMock>>,
  request: { job_id: string; prompt: string; max_tokens: number },
  options: { signal?: AbortSignal } = {},
): Promise<{ done: Promise<ReceivedEvent[]> }> {
  const events: ReceivedEvent[] = [];
  const it = w.client.stream(request, options)[Symbol.asyncIterator]();
  for (;;) {
    const next = await it.next();
    if (next.done) return { done: Promise.resolve(events) };
    events.push(next.value);
    if (next.value.type === "token") break;
  }
  const done = (async () => {
    for (let next = await it.next(); !next.done; next = await it.next()) events.push(next.value);
    return events;
  })();
  done.catch(() => undefined);
  return { done };
}

/** Runs the mock CLI directly and returns its exit code and output. */
function runMock(args: string[], env: Record<string, string> = {}, killAfterMs?: number) {
  return new Promise<{ code: number | null; signal: string | null; out: string }>((resolve) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    if (killAfterMs) setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => resolve({ code, signal, out }));
  });
}

describe("mock worker: generation", () => {
  it("is deterministic for (prompt, seed) and differs with the seed", async () => {
    const w = await startMock();
    const a = await w.client.execute({ job_id: "d1", prompt: "Hi", max_tokens: 20, seed: 1 });
    const b = await w.client.execute({ job_id: "d2", prompt: "Hi", max_tokens: 20, seed: 1 });
    const c = await w.client.execute({ job_id: "d3", prompt: "Hi", max_tokens: 20, seed: 2 });
    expect(text(a)).toBe(text(b));
    expect(text(a)).not.toBe(text(c));
  });

  it("emits multi-byte UTF-8 tokens", async () => {
    const w = await startMock({ extraArgs: ["--eos-after", "0", "--token-interval-ms", "0"] });
    const events = await w.client.execute({ job_id: "u", prompt: "unicode", max_tokens: 300, seed: 3 });
    expect(text(events)).toMatch(/[^\x00-\x7f]/);
  });

  it("ends with eos where the end-of-sequence falls, with tokens_out equal to the tokens", async () => {
    const w = await startMock({ extraArgs: ["--eos-after", "4"] });
    const events = await w.client.execute({ job_id: "e", prompt: "x", max_tokens: 10 });
    expect(events.at(-1)).toMatchObject({ type: "end", stop_reason: "eos", tokens_out: 4 });
    expect(events.filter((e) => e.type === "token")).toHaveLength(4);
  });

  it("stops at a stop sequence and reports it", async () => {
    const w = await startMock({ extraArgs: ["--eos-after", "0"] });
    const events = await w.client.execute({
      job_id: "s",
      prompt: "x",
      max_tokens: 500,
      seed: 5,
      stop: ["."],
    });
    const end = events.at(-1);
    expect(end).toMatchObject({ type: "end", stop_reason: "stop_sequence", stop_sequence_matched: "." });
    expect(text(events).endsWith(".")).toBe(true);
    expect(events.filter((e) => e.type === "end" && "stop_sequence_matched" in e)).toHaveLength(1);
  });

  it("sends metrics events every 16 tokens and no stop_sequence_matched on other reasons", async () => {
    const w = await startMock({ extraArgs: ["--eos-after", "0", "--token-interval-ms", "0"] });
    const events = await w.client.execute({ job_id: "m", prompt: "x", max_tokens: 40 });
    const metrics = events.filter((e) => e.type === "metrics");
    expect(metrics).toHaveLength(2);
    expect(metrics[0]).toMatchObject({ vram_bytes: expect.any(Number), tokens_per_sec: expect.any(Number) });
    expect(events.at(-1)).not.toHaveProperty("stop_sequence_matched");
  });

  it("answers a second /execute while one runs with 503 WORKER_BUSY and Retry-After", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "10", "--eos-after", "0"] });
    const first = (await startedJob(w, { job_id: "first", prompt: "x", max_tokens: 20 })).done;
    const second = await w.client.executeRaw({ job_id: "second", prompt: "x", max_tokens: 1 });
    expect(second.status).toBe(503);
    expect(second.headers["retry-after"]).toBe("1");
    expect(second.json).toMatchObject({ code: "WORKER_BUSY", retriable: true, running_job_id: "first" });
    expect((await first).at(-1)).toMatchObject({ type: "end", tokens_out: 20 });
  });

  it("cancels the running job at its next token, ending with error CANCELLED", async () => {
    // How fast is measured by npm run bench (cancel latency), not asserted here.
    const w = await startMock({ extraArgs: ["--token-interval-ms", "5", "--eos-after", "0"] });
    const pending = (await startedJob(w, { job_id: "c", prompt: "x", max_tokens: 2048 })).done;
    await w.client.cancel("c");
    const events = await pending;
    expect(events.at(-1)).toMatchObject({ type: "error", code: "CANCELLED", retriable: false });
    expect(events.filter((e) => e.type === "token").length).toBeLessThan(2048);
  });

  it("stops the job when the client disconnects", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "5", "--eos-after", "0"] });
    const controller = new AbortController();
    const pending = (
      await startedJob(w, { job_id: "gone", prompt: "x", max_tokens: 2048 }, { signal: controller.signal })
    ).done;
    controller.abort();
    await expect(pending).rejects.toBeDefined();
    const disconnected = async () =>
      (await w.client.metrics()).samples.some(
        (m) => m.name === "worker_requests_total" && m.labels.outcome === "disconnected",
      );
    await waitFor(disconnected, "the mock to count the disconnect");
    const { samples } = await w.client.metrics();
    expect(samples).toContainEqual({
      name: "worker_requests_total",
      labels: { outcome: "disconnected" },
      value: 1,
    });
    await expect(w.client.executeRaw({ job_id: "next", prompt: "x", max_tokens: 1 })).resolves.toMatchObject({
      status: 200,
    });
  });

  it("ends a job that runs past --inference-timeout-sec with INFERENCE_TIMEOUT", async () => {
    const w = await startMock({
      extraArgs: ["--inference-timeout-sec", "1", "--token-interval-ms", "50", "--eos-after", "0"],
    });
    const events = await w.client.execute({ job_id: "slow", prompt: "x", max_tokens: 2048 });
    expect(events.at(-1)).toMatchObject({ type: "error", code: "INFERENCE_TIMEOUT", retriable: true });
  });

  it("paces tokens: a first-token delay and a token interval", async () => {
    const w = await startMock({ extraArgs: ["--first-token-delay-ms", "150", "--token-interval-ms", "30"] });
    const t0 = performance.now();
    const events = await w.client.execute({ job_id: "p", prompt: "x", max_tokens: 3 });
    const tokens = events.filter((e) => e.type === "token");
    expect(tokens[0].receivedAt! - t0).toBeGreaterThanOrEqual(140);
    expect(tokens[2].receivedAt! - tokens[0].receivedAt!).toBeGreaterThanOrEqual(50);
  });
});

describe("mock worker: lifecycle", () => {
  it("waits for a readiness callback answered late (a Jest process blocked compiling), as a real worker's HTTP client does", async () => {
    // Seen in CI on a cold ts-jest cache: the environment's callback server answered after more than 10 s and
    // the mock gave up ("no answer within 10000 ms"), failing every test of the file.
    let answered = 0;
    const receiver = createServer((req, res) => {
      req.resume();
      setTimeout(() => {
        answered = Date.now();
        res.writeHead(200).end();
      }, 11_000);
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ready`;
    const run = runMock(mockArgs(await freePort(), { callbackUrl: url }), {}, 14_000);
    const result = await run;
    receiver.close();
    expect(answered).toBeGreaterThan(0);
    // Alive until the end (killed by the test), never exited on its own.
    expect(result).toMatchObject({ code: null, signal: "SIGKILL" });
    expect(result.out).not.toMatch(/readiness callback .* failed/);
  }, 20_000);

  it("posts the readiness callback and logs model_load_progress 0..100", async () => {
    const w = await startMock({ extraArgs: ["--load-time-ms", "40"] });
    await waitFor(
      () => w.logs.some(/"percent":100/) && w.callbackBody !== undefined,
      "the callback and the last load progress line",
    );
    expect(w.callbackBody).toEqual({
      worker_id: w.workerId,
      vram_bytes: expect.any(Number),
      uri: `http://localhost:${w.port}`,
    });
    const percents = w.logs
      .all()
      .filter((l) => l.json?.event === "model_load_progress")
      .map((l) => l.json?.percent);
    expect(percents).toEqual([0, 25, 50, 75, 100]);
  });

  it("reports resident:false while the model loads, then the full health body", async () => {
    const port = await freePort();
    // The load (5 s) outlasts a Node start even on a loaded host; the mock is stopped once it is seen ready.
    const child = spawn(process.execPath, mockArgs(port, { extra: ["--load-time-ms", "5000"] }), {
      stdio: "ignore",
    });
    const exited = new Promise((r) => child.on("exit", r));
    const health = () =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.json() as Promise<{ resident?: boolean }>,
        () => undefined,
      );
    const loading = await waitFor(health, "the mock's first /health answer");
    expect(loading).toMatchObject({ status: "healthy", resident: false });
    const busy = await fetch(`http://127.0.0.1:${port}/execute`, {
      method: "POST",
      body: JSON.stringify({ job_id: "x", prompt: "x", max_tokens: 1 }),
    });
    expect(busy.status).toBe(503);
    const ready = await waitFor(async () => {
      const body = await health();
      return body?.resident === true ? body : undefined;
    }, "the mock to finish its load");
    expect(Object.keys(ready as object).sort()).toEqual(
      [
        "context_length",
        "cuda_runtime_version",
        "model",
        "quant_kind",
        "resident",
        "sm",
        "status",
        "tokenizer_kind",
        "uptime_seconds",
        "vocab_size",
        "vram_bytes_used",
      ].sort(),
    );
    child.kill("SIGKILL");
    await exited;
  });

  it("POST /shutdown finishes the running job, refuses new ones with 503, and exits 0", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "10", "--eos-after", "0"] });
    const running = (await startedJob(w, { job_id: "last", prompt: "x", max_tokens: 20 })).done;
    await expect(w.client.shutdown()).resolves.toEqual({ status: 202 });
    const refused = await w.client.executeRaw({ job_id: "late", prompt: "x", max_tokens: 1 });
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: "SHUTTING_DOWN" });
    expect((await running).at(-1)).toMatchObject({ type: "end", tokens_out: 20 });
    await expect(w.whenExited()).resolves.toEqual({ code: 0, signal: null });
    // It says why it stopped: the route, not a signal nobody sent.
    const line = w.logs.all().find((l) => JSON.stringify(l).includes("shutting down"));
    expect(JSON.stringify(line)).toContain('"route":"POST /shutdown"');
    expect(JSON.stringify(line)).not.toContain("SIGINT");
  });

  it("SIGTERM finishes the running job and exits 0", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "10", "--eos-after", "0"] });
    const running = (await startedJob(w, { job_id: "term", prompt: "x", max_tokens: 15 })).done;
    process.kill(w.pid, "SIGTERM");
    const events = await running;
    expect(events.at(-1)).toMatchObject({ type: "end", tokens_out: 15 });
    await expect(w.whenExited()).resolves.toEqual({ code: 0, signal: null });
  });

  it("exits 1 with MODEL_LOAD_FAILED and the fix when the model file is missing", async () => {
    const port = await freePort();
    const r = await runMock(mockArgs(port, { model: "/no/such.gguf" }));
    expect(r.code).toBe(1);
    const line = JSON.parse(r.out.split("\n").find((l) => l.includes("MODEL_LOAD_FAILED"))!);
    expect(line).toMatchObject({
      level: "ERROR",
      code: "MODEL_LOAD_FAILED",
      model: "/no/such.gguf",
      gpu_device: 0,
    });
    expect(line.fix).toMatch(/existing \.gguf file/);
  });

  it("exits 1 naming EADDRINUSE and the fix when the port is taken", async () => {
    const w = await startMock();
    const r = await runMock(mockArgs(w.port));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/address already in use \(EADDRINUSE\)/);
    expect(r.out).toMatch(/"fix":"choose another --port/);
  });

  it("exits 2 with the usage on a bad command line", async () => {
    const r = await runMock([MOCK_ENTRY, "--model", "mock"]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/--worker-id is required/);
    expect(r.out).toMatch(/usage: worker-orcd-mock/);
    // Any worker id, as the real build takes it (its README starts it with `--worker-id w1`).
    const argv = ["--worker-id", "w1", "--model", "mock", "--gpu-device", "0", "--port", "5000"];
    expect(parseOptions(argv, {}).workerId).toBe("w1");
    const port = await runMock(mockArgs(80));
    expect(port.out).toMatch(/--port must be an integer between 1024 and 65535/);
    const fault = await runMock(mockArgs(5000), { WORKER_ORCD_MOCK_FAULT: "explode" });
    expect(fault.out).toMatch(/unknown fault mode \\"explode\\"; known: crash-mid-stream/);
  });
});
