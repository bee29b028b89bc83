import { createServer } from "node:net";
import { afterAll, describe, expect, it } from "@jest/globals";
import { TestConfig, TestModel, TestPrompts } from "../../src/fixtures";
import { WorkerTestHarness } from "../../src/harness/worker-test-harness";
import { matchers } from "../../src/matchers";
import { MOCK_SCRIPT_HEADER, mockScript } from "../../src/mock/script";
import type { TokenEvent } from "../../src/protocol/events";
import { startMock, stopAllMocks } from "../helpers/mock";

expect.extend(matchers);
afterAll(stopAllMocks);

const texts = (events: { type: string }[]) =>
  events.filter((e): e is TokenEvent => e.type === "token").map((e) => e.t);
const LONG = "x".repeat(5000);
const TOKENS = ["{", '"a"', ":", " 日本語", "🚀", "}", LONG, "\n"];

describe("scripted mock output", () => {
  it("a per-request script sends exactly the given tokens, multi-byte, long and '}' included, then ends as told", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "0"] });
    const events = await w.client.execute(
      { job_id: "s1", prompt: "hi", max_tokens: 50 },
      { headers: mockScript({ tokens: TOKENS, end: "eos" }) },
    );
    expect(texts(events)).toEqual(TOKENS);
    expect(events).toHaveValidEventOrder();
    expect(events).toHaveStopReason("eos");
    const maxed = await w.client.execute(
      { job_id: "s2", prompt: "hi", max_tokens: 50 },
      { headers: mockScript({ tokens: ["a", "b"], end: "max_tokens" }) },
    );
    expect(maxed).toHaveStopReason("max_tokens");
    expect(maxed).toHaveTokenCount(2);
    // max_tokens still cuts a longer script; the next request without a header generates again.
    const cut = await w.client.execute(
      { job_id: "s3", prompt: "hi", max_tokens: 3 },
      { headers: mockScript({ tokens: TOKENS }) },
    );
    expect(texts(cut)).toEqual(TOKENS.slice(0, 3));
    expect(cut).toHaveStopReason("max_tokens");
    const plain = await w.client.execute({ job_id: "s4", prompt: "hi", max_tokens: 3, seed: 1 });
    expect(texts(plain)).not.toEqual(TOKENS.slice(0, 3));
  });

  it("a stop-sequence test needs no probe run: the stop is in the script", async () => {
    const w = await startMock();
    const events = await w.client.execute(
      { job_id: "stop", prompt: "hi", max_tokens: 20, stop: ["}"] },
      { headers: mockScript({ tokens: ["{", "x", "}", "never"] }) },
    );
    expect(texts(events)).toEqual(["{", "x", "}"]);
    expect(events).toHaveMatchedStopSequence("}");
  });

  it("a job can end before its first token (eos with zero tokens) or with a scripted error", async () => {
    const w = await startMock();
    const empty = await w.client.execute(
      { job_id: "z", prompt: "hi", max_tokens: 5 },
      { headers: mockScript({ tokens: [] }) },
    );
    expect(empty.map((e) => e.type)).toEqual(["started", "end"]);
    expect(empty).toHaveStopReason("eos");
    expect(empty).toHaveTokenCount(0);
    const failed = await w.client.execute(
      { job_id: "e", prompt: "hi", max_tokens: 5 },
      { headers: mockScript({ tokens: ["a"], end: "error", error: { code: "VRAM_OOM", retriable: true } }) },
    );
    expect(failed).toFailWithCode("VRAM_OOM");
    expect(failed.at(-1)).toMatchObject({ type: "error", retriable: true });
  });

  it("a per-worker script (harness option) applies to every job; a request's header wins", async () => {
    await using h = await WorkerTestHarness.startMock({ script: { tokens: ["ok", "!"] } });
    expect(texts(await h.execute({ job_id: "w1", prompt: "a", max_tokens: 9 }))).toEqual(["ok", "!"]);
    expect(texts(await h.execute({ job_id: "w2", prompt: "b", max_tokens: 9 }))).toEqual(["ok", "!"]);
    const own = await h.execute(
      { job_id: "w3", prompt: "c", max_tokens: 9 },
      { headers: mockScript({ tokens: ["mine"] }) },
    );
    expect(texts(own)).toEqual(["mine"]);
  });

  it("compat mode honours a script too, judged as the build would send it", async () => {
    const w = await startMock({ extraArgs: ["--compat"] });
    const events = await w.client.execute(
      { job_id: "c", prompt: "hi", max_tokens: 9 },
      { headers: mockScript({ tokens: ["a", "b"] }) },
    );
    expect(texts(events)).toEqual(["a", "b"]);
    expect(events.at(-1)).toMatchObject({ stop_reason: "MAX_TOKENS" }); // build 5d6c9a4a never says eos
  });

  it("a bad script is a clear error: from mockScript(), in the header (400) and on the command line (exit 2)", async () => {
    expect(() => mockScript({ tokens: [1 as unknown as string] })).toThrow(
      "mockScript: tokens must be an array of strings",
    );
    expect(() => mockScript({ tokens: [], end: "stop" as "eos" })).toThrow(
      /end must be "eos", "max_tokens" or "error"/,
    );
    const w = await startMock();
    const res = await w.client.raw("POST", "/execute", {
      body: { job_id: "b", prompt: "hi", max_tokens: 2 },
      headers: { [MOCK_SCRIPT_HEADER]: '{"tokens":"abc"}' },
    });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      errors: [
        {
          field: MOCK_SCRIPT_HEADER,
          constraint: "mock_script",
          message: `header ${MOCK_SCRIPT_HEADER}: tokens must be an array of strings`,
        },
      ],
    });
    await expect(startMock({ extraArgs: ["--script", "{nope"] })).rejects.toThrow(
      /--script \/ WORKER_ORCD_MOCK_SCRIPT: not JSON/,
    );
  });

  it("metrics cadence is configurable: every n tokens, or none", async () => {
    const every4 = await startMock({ extraArgs: ["--metrics-every", "4", "--token-interval-ms", "0"] });
    const a = await every4.client.execute(
      { job_id: "m", prompt: "hi", max_tokens: 12 },
      { headers: mockScript({ tokens: Array(12).fill("t") }) },
    );
    expect(a.filter((e) => e.type === "metrics")).toHaveLength(3);
    const none = await startMock({ env: { WORKER_ORCD_MOCK_METRICS_EVERY: "0" } });
    const b = await none.client.execute({ job_id: "n", prompt: "hi", max_tokens: 40, seed: 3 });
    expect(b.filter((e) => e.type === "metrics")).toHaveLength(0);
    expect(b.filter((e) => e.type === "token").length).toBeGreaterThan(16);
  });
});

describe("client headers and raw forms of every route", () => {
  it("sends the caller's headers on every call, and raw() gives status and headers of any route", async () => {
    const seen: Record<string, string | undefined>[] = [];
    // A proxy-free check: a tiny HTTP server that records the headers it gets.
    const { createServer: http } = await import("node:http");
    const server = http((req, res) => {
      seen.push({
        url: req.url,
        id: req.headers["x-correlation-id"] as string,
        ct: req.headers["content-type"],
      });
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json", "x-served-by": "probe" });
        res.end('{"status":"healthy"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const { WorkerClient } = await import("../../src/client/worker-client");
    const client = new WorkerClient(`http://127.0.0.1:${port}`);
    const headers = { "X-Correlation-Id": "corr-1", "Content-Type": "text/plain" };
    try {
      await client.health({ headers });
      const raw = await client.healthRaw({ headers });
      expect(raw.status).toBe(200);
      expect(raw.headers["x-served-by"]).toBe("probe");
      await client.raw("post", "/cancel", { body: { job_id: "j" }, headers });
      await client.executeRaw({ job_id: "j" }, { headers });
    } finally {
      server.close();
    }
    expect(seen).toEqual([
      { url: "/health", id: "corr-1", ct: "text/plain" },
      { url: "/health", id: "corr-1", ct: "text/plain" },
      { url: "/cancel", id: "corr-1", ct: "application/json" },
      { url: "/execute", id: "corr-1", ct: "application/json" },
    ]);
    await expect(client.raw("GET", "health")).rejects.toThrow('path must start with "/"');
  });

  it("execute() and stream() send the caller's headers too", async () => {
    const w = await startMock();
    const events = await w.client.execute(
      { job_id: "h", prompt: "hi", max_tokens: 5 },
      { headers: { ...mockScript({ tokens: ["via", "execute"] }), "x-correlation-id": "c2" } },
    );
    expect(texts(events)).toEqual(["via", "execute"]);
    const streamed: string[] = [];
    for await (const e of w.client.stream(
      { job_id: "h2", prompt: "hi", max_tokens: 5 },
      { headers: mockScript({ tokens: ["via", "stream"] }) },
    ))
      if (e.type === "token") streamed.push(e.t);
    expect(streamed).toEqual(["via", "stream"]);
  });
});

describe("harness port and the seed's fixtures", () => {
  it("a harness serves on the port it is given, and a taken port is a startup failure that names it", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    await using h = await WorkerTestHarness.startMock({ port });
    expect(h.port).toBe(port);
    expect(h.baseUrl).toBe(`http://127.0.0.1:${port}`);
    expect((await h.healthRaw()).status).toBe(200);
    await expect(WorkerTestHarness.startMock({ port })).rejects.toThrow(
      `worker option port: ${port} is already in use (EADDRINUSE)`,
    );
    await expect(WorkerTestHarness.startMock({ port: 70000 })).rejects.toThrow(
      "WorkerTestHarness.startMock: port must be a whole number from 1 to 65535, got 70000",
    );
  });

  it("TestConfig, TestModel and TestPrompts are the seed harness's (fixtures.rs)", () => {
    expect(TestConfig.default).toEqual({ timeoutMs: 30_000, maxTokens: 10, gpuDevice: 0 });
    expect(TestConfig.fast).toEqual({ timeoutMs: 10_000, maxTokens: 5, gpuDevice: 0 });
    expect(TestConfig.long).toEqual({ timeoutMs: 60_000, maxTokens: 100, gpuDevice: 0 });
    expect(TestModel.qwen2_5_0_5b()).toMatchObject({
      name: "Qwen2.5-0.5B",
      layers: 24,
      kvHeads: 2,
      headDim: 64,
    });
    expect(TestModel.qwen2_5_0_5b().vocabSize).toBe(151936);
    expect(TestModel.mock()).toMatchObject({
      name: "Mock",
      layers: 2,
      kvHeads: 2,
      headDim: 32,
      vocabSize: 1000,
    });
    expect(TestModel.exists(TestModel.mock())).toBe(true);
    expect(TestPrompts.simple()).toBe("Hello");
    expect(TestPrompts.short()).toBe("Write a haiku");
    expect(TestPrompts.withStop().prompt).toBe("Count from 1 to 10");
  });
});
