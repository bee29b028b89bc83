import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  IdleTimeoutError,
  IncompleteStreamError,
  ProtocolError,
  RequestTimeoutError,
  UnsupportedRouteError,
  WorkerHttpError,
} from "../../src/client/errors";
import { decodeEvent } from "../../src/client/event-decoder";
import { sourceOf } from "../../src/client/received";
import { WorkerClient } from "../../src/client/worker-client";
import type { WorkerProcess } from "../../src/worker/worker-process";
import { startMock, stopAllMocks } from "../helpers/mock";
import { jobStarted } from "../helpers/wait";

const req = (job_id: string, max_tokens = 5, extra = {}) => ({
  job_id,
  prompt: "Hello",
  max_tokens,
  seed: 7,
  ...extra,
});

afterAll(stopAllMocks);

describe("WorkerClient against the mock worker", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startMock({ extraArgs: ["--eos-after", "0"] });
  });

  it("execute() collects every event in order", async () => {
    const events = await worker.client.execute(req("c1", 5));
    expect(events.map((e) => e.type)).toEqual([
      "started",
      "token",
      "token",
      "token",
      "token",
      "token",
      "end",
    ]);
    expect(events.at(-1)).toMatchObject({ type: "end", tokens_out: 5, stop_reason: "max_tokens" });
  });

  it("stamps receive times without changing the JSON shape", async () => {
    const events = await worker.client.execute(req("c2", 3));
    expect(typeof events[0].receivedAt).toBe("number");
    expect(Object.keys(events[1]).sort()).toEqual(["i", "t", "type"]);
    expect(JSON.parse(JSON.stringify(events[1]))).toEqual({
      type: "token",
      t: (events[1] as { t: string }).t,
      i: 0,
    });
    // The same own properties as the worker sent: strict equality with a literal holds, and spreads keep no time.
    const t = (events[1] as { t: string }).t;
    expect(events[1]).toStrictEqual({ type: "token", t, i: 0 });
    expect({ ...events[1] }).toStrictEqual({ type: "token", t, i: 0 });
    expect(events[1].receivedAt).toBeGreaterThanOrEqual(events[0].receivedAt!);
    expect(sourceOf(events)?.label).toBe(worker.baseUrl);
  });

  it("stream() yields events as they arrive", async () => {
    const types: string[] = [];
    for await (const event of worker.client.stream(req("c3", 4))) types.push(event.type);
    expect(types).toEqual(["started", "token", "token", "token", "token", "end"]);
  });

  it("breaking out of stream() closes the connection, which stops the job", async () => {
    const slow = await startMock({ extraArgs: ["--token-interval-ms", "5", "--eos-after", "0"] });
    let seen = 0;
    for await (const event of slow.client.stream(req("early-exit", 2048))) {
      if (event.type === "token" && ++seen === 3) break;
    }
    for (let k = 0; k < 40; k++) {
      const { samples } = await slow.client.metrics();
      if (
        samples.some(
          (x) => x.name === "worker_requests_total" && x.labels.outcome === "disconnected" && x.value === 1,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const { samples } = await slow.client.metrics();
    expect(samples).toContainEqual({
      name: "worker_requests_total",
      labels: { outcome: "disconnected" },
      value: 1,
    });
  });

  it("executeRaw() returns a 400 with every failing field", async () => {
    const res = await worker.client.executeRaw({ job_id: "", prompt: "", max_tokens: 0 });
    expect(res.status).toBe(400);
    expect((res.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      "job_id",
      "prompt",
      "max_tokens",
    ]);
  });

  it("execute() rejects a 400 with an error naming the fields", async () => {
    await expect(worker.client.execute(req("", 0))).rejects.toThrow(
      /HTTP 400: rejected field\(s\): job_id, max_tokens/,
    );
  });

  it("health() returns the full body", async () => {
    await expect(worker.client.health()).resolves.toMatchObject({
      status: "healthy",
      resident: true,
      quant_kind: "Q4_K_M",
    });
  });

  it("metrics() parses the Prometheus text", async () => {
    const { samples } = await worker.client.metrics();
    const names = new Set(samples.map((s) => s.name));
    for (const n of [
      "worker_vram_bytes",
      "worker_requests_total",
      "worker_tokens_generated_total",
      "worker_uptime_seconds",
    ]) {
      expect(names).toContain(n);
    }
    expect(names).toContain("worker_inference_duration_ms_bucket");
  });

  it("cancel() of an unknown job is accepted (idempotent)", async () => {
    await expect(worker.client.cancel("nope")).resolves.toEqual({ status: 202, route: "/cancel" });
  });

  it("an aborted signal stops execute()", async () => {
    const controller = new AbortController();
    const pending = worker.client.execute(req("c4", 2048), { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user abort")), 30);
    await expect(pending).rejects.toThrow("user abort");
  });

  it("a request timeout fails with a message naming the limit and what arrived", async () => {
    await expect(
      worker.client.execute(req("c5", 2048, { stop: undefined }), { timeoutMs: 60 }),
    ).rejects.toThrow(/did not finish within 60 ms \(request timeout\); received \d+ event\(s\)/);
  });

  it("a connection refused is an HTTP error, not a TypeError", async () => {
    const { freePort } = await import("../../src/worker/ports");
    const port = await freePort();
    const dead = new WorkerClient(`http://127.0.0.1:${port}`, { requestTimeoutMs: 2000 });
    await expect(dead.health()).rejects.toThrow(
      `GET http://127.0.0.1:${port}/health failed: fetch failed (ECONNREFUSED)`,
    );
  });
});

describe("WorkerClient construction", () => {
  it("rejects a base URL that is not http(s), saying what it expects", () => {
    expect(() => new WorkerClient("localhost:8080")).toThrow(
      'WorkerClient needs an http(s) base URL such as "http://127.0.0.1:8080", got "localhost:8080"',
    );
  });
});

describe("decodeEvent", () => {
  it("names the event from the JSON type in data-only frames", () => {
    expect(decodeEvent({ data: '{"type":"token","t":"a","i":0}' })).toEqual({
      ok: true,
      event: { type: "token", t: "a", i: 0 },
    });
  });
  it("adds the type from the event: line when the JSON lacks it", () => {
    expect(decodeEvent({ event: "token", data: '{"t":"a","i":0}' })).toEqual({
      ok: true,
      event: { type: "token", t: "a", i: 0 },
    });
  });
  it("reports an event: line that disagrees with the JSON type", () => {
    expect(decodeEvent({ event: "end", data: '{"type":"token"}' })).toEqual({
      ok: false,
      problem: 'event name "end" disagrees with data type "token"',
    });
  });
  it("reports data that is not JSON, not an object, or an unknown event", () => {
    expect(decodeEvent({ data: "{oops" })).toMatchObject({ ok: false, problem: "event data is not JSON" });
    expect(decodeEvent({ data: "[1]" })).toMatchObject({
      ok: false,
      problem: "event data is not a JSON object",
    });
    expect(decodeEvent({ data: '{"type":"progress"}' })).toMatchObject({
      ok: false,
      problem: 'unknown event name "progress"',
    });
    expect(decodeEvent({ data: "{}" })).toMatchObject({ ok: false });
  });
});

describe("misbehaving workers end in clear errors", () => {
  it("malformed event data is a ProtocolError naming the job and the raw frame", async () => {
    const w = await startMock({ env: { WORKER_ORCD_MOCK_FAULT: "malformed-event" } });
    const error = await w.client.execute(req("bad-1")).catch((e) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.message).toContain('(job "bad-1")');
    expect(error.message).toContain('raw frame: "event: token\\ndata: {not json"');
    expect(error.events.map((e: { type: string }) => e.type)).toEqual(["started", "token"]);
  });

  it("an unknown event name is a ProtocolError", async () => {
    const w = await startMock({ env: { WORKER_ORCD_MOCK_FAULT: "unknown-event" } });
    await expect(w.client.execute(req("bad-2"))).rejects.toThrow(
      /unknown event name "progress" \(job "bad-2"\)/,
    );
  });

  it("a stalled stream fails after the idle timeout, saying how long and what arrived", async () => {
    const w = await startMock({ env: { WORKER_ORCD_MOCK_FAULT: "stall-mid-stream:2" } });
    const error = await w.client.execute(req("stall", 10), { idleTimeoutMs: 150 }).catch((e) => e);
    expect(error).toBeInstanceOf(IdleTimeoutError);
    expect(error.message).toMatch(/silent for 150 ms \(idle timeout\) after 3 event\(s\): #0 started/);
  });

  it("a crash mid-stream says the worker was killed, with its log tail", async () => {
    const w = await startMock({ env: { WORKER_ORCD_MOCK_FAULT: "crash-mid-stream:3" } });
    const error = await w.client.execute(req("crash", 10)).catch((e) => e);
    expect(error.name).toBe("WorkerExitedError");
    expect(error.message).toMatch(/killed by signal SIGKILL during the request/);
    expect(error.message).toContain("illegal memory access");
  });

  it("two terminal events are returned for the matchers to judge", async () => {
    const w = await startMock({ env: { WORKER_ORCD_MOCK_FAULT: "double-terminal" } });
    const events = await w.client.execute(req("two", 2));
    expect(events.slice(-2).map((e) => e.type)).toEqual(["end", "error"]);
  });

  it("a stream that closes without a terminal event is an IncompleteStreamError", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.end('data: {"type":"started","job_id":"x","model":"m","started_at":"0"}\n\n');
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const error = await new WorkerClient(`http://127.0.0.1:${port}`).execute(req("x")).catch((e) => e);
      expect(error).toBeInstanceOf(IncompleteStreamError);
      expect(error.message).toMatch(/closed without a terminal event \(end or error\) after 1 event\(s\)/);
    } finally {
      server.close();
    }
  });

  it("a worker with no cancel route gives UnsupportedRouteError, not a timeout", async () => {
    const w = await startMock({ extraArgs: ["--compat"] });
    const error = await w.client.cancel("j").catch((e) => e);
    expect(error).toBeInstanceOf(UnsupportedRouteError);
    expect(error.message).toMatch(/does not support cancellation/);
    await expect(w.client.shutdown()).rejects.toThrow(UnsupportedRouteError);
    await expect(w.client.metrics()).rejects.toThrow(UnsupportedRouteError);
  });

  it("cancel() falls back to POST /cancel/{id} when POST /cancel answers 404", async () => {
    const w = await startMock({
      env: { WORKER_ORCD_MOCK_FAULT: "cancel-path-only" },
      extraArgs: ["--token-interval-ms", "5"],
    });
    const pending = w.client.execute(req("legacy-cancel", 2048, { stop: undefined }));
    await jobStarted(w, "legacy-cancel");
    await expect(w.client.cancel("legacy-cancel")).resolves.toEqual({
      status: 202,
      route: "/cancel/legacy-cancel",
    });
    const events = await pending;
    expect(events.at(-1)).toMatchObject({ type: "error", code: "CANCELLED" });
  });

  it("a health probe that a busy compat worker blocks ends with a RequestTimeoutError", async () => {
    const w = await startMock({ extraArgs: ["--compat", "--token-interval-ms", "20"] });
    const running = w.client.execute(req("long", 30));
    await jobStarted(w, "long");
    await expect(w.client.health({ timeoutMs: 100 })).rejects.toThrow(RequestTimeoutError);
    await running;
  });

  it("a non-event-stream 200 is a WorkerHttpError", async () => {
    const { createServer } = await import("node:http");
    const server = createServer((_req, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end("{}"),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      await expect(new WorkerClient(`http://127.0.0.1:${port}`).execute(req("x"))).rejects.toThrow(
        WorkerHttpError,
      );
    } finally {
      server.close();
    }
  });
});

describe("a worker's redirect is never followed", () => {
  it("a 302 on /health and a 307 on /execute are errors naming the Location; the other server gets nothing, headers included", async () => {
    const { createServer } = require("node:http") as typeof import("node:http");
    const seen: Array<{ url?: string; headers: Record<string, unknown> }> = [];
    const elsewhere = createServer((q, s) => {
      seen.push({ url: q.url, headers: q.headers });
      s.end(JSON.stringify({ status: "healthy", resident: true }));
    });
    await new Promise<void>((r) => elsewhere.listen(0, "127.0.0.1", r));
    const to = `http://127.0.0.1:${(elsewhere.address() as { port: number }).port}`;
    const redirecting = createServer((q, s) => {
      s.writeHead(q.url === "/health" ? 302 : 307, {
        location: `${to.replace("//", "//u:secret@")}${q.url}`,
      });
      s.end();
    });
    await new Promise<void>((r) => redirecting.listen(0, "127.0.0.1", r));
    try {
      const from = `http://127.0.0.1:${(redirecting.address() as { port: number }).port}`;
      const client = new WorkerClient(from, { headers: { "X-Api-Key": "k-123" } });
      const health = client.health({ timeoutMs: 3000 });
      await expect(health).rejects.toThrow(WorkerHttpError);
      await expect(health).rejects.toThrow(
        new RegExp(
          `GET ${from}/health answered HTTP 302, a redirect to "http://\\*\\*\\*@127\\.0\\.0\\.1:\\d+/health"; a worker's redirect is not followed`,
        ),
      );
      await expect(client.execute(req("r1", 3))).rejects.toThrow(
        /POST \/execute \(job "r1"\) answered HTTP 307, a redirect to/,
      );
      expect(seen).toEqual([]);
    } finally {
      await new Promise((r) => redirecting.close(r));
      await new Promise((r) => elsewhere.close(r));
    }
  });
});
