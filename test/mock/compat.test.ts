import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { afterAll, describe, expect, it } from "@jest/globals";
import type { ReceivedEvent } from "../../src/protocol/events";
import { freePort } from "../../src/worker/ports";
import { mockArgs, startMock, stopAllMocks } from "../helpers/mock";
import { jobStarted, waitFor } from "../helpers/wait";

afterAll(stopAllMocks);

const compat = (...more: string[]) => startMock({ extraArgs: ["--compat", ...more] });
const text = (events: ReceivedEvent[]) => events.map((e) => (e.type === "token" ? e.t : "")).join("");

describe("mock worker in compat mode (the last real builds)", () => {
  it("sends data-only frames with upper-case stop reasons, placeholders, no metrics", async () => {
    const w = await compat("--eos-after", "0", "--token-interval-ms", "0");
    const raw = await w.client.executeRaw({ job_id: "r", prompt: "x", max_tokens: 40 });
    expect(raw.text).not.toMatch(/^event:/m);
    expect(raw.text).toMatch(/^data: \{"type":"started"/m);
    const events = await w.client.execute({ job_id: "r2", prompt: "x", max_tokens: 40 });
    expect(events[0]).toEqual({ type: "started", job_id: "r2", model: "model", started_at: "0" });
    expect(events.some((e) => e.type === "metrics")).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: "end", stop_reason: "MAX_TOKENS", tokens_out: 40 });
  });

  it("fails a job before it starts with a lone error event and no retriable", async () => {
    const w = await startMock({
      extraArgs: ["--compat"],
      env: { WORKER_ORCD_MOCK_FAULT: "inference-failed" },
    });
    const events = await w.client.execute({ job_id: "f", prompt: "x", max_tokens: 4 });
    expect(events).toEqual([
      { type: "error", code: "INFERENCE_FAILED", message: "inference failed before start" },
    ]);
  });

  it("answers /health minimally, with vram_bytes", async () => {
    const w = await compat();
    await expect(w.client.health()).resolves.toEqual({ status: "healthy", vram_bytes: expect.any(Number) });
  });

  it("requires max_tokens (422 plain text), and answers 400/415 in plain text", async () => {
    const w = await compat();
    const missing = await w.client.executeRaw({ job_id: "m", prompt: "x" });
    expect(missing.status).toBe(422);
    expect(missing.text).toMatch(/missing field `max_tokens`/);
    const malformed = await w.client.executeRaw("{oops");
    expect([400, 422]).toContain(malformed.status);
    expect(malformed.json).toBeUndefined();
    const noType = await w.client.executeRaw(
      { job_id: "m", prompt: "x", max_tokens: 1 },
      { contentType: null },
    );
    expect(noType.status).toBe(415);
    const invalid = await w.client.executeRaw({ job_id: "m", prompt: "", max_tokens: 1 });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toEqual({
      errors: [{ field: "prompt", constraint: "length(1..=32768)", message: "prompt must not be empty" }],
    });
  });

  it("uses seed 42 when the request has none", async () => {
    const w = await compat();
    const a = await w.client.execute({ job_id: "a", prompt: "same", max_tokens: 10 });
    const b = await w.client.execute({ job_id: "b", prompt: "same", max_tokens: 10, seed: 42 });
    expect(text(a)).toBe(text(b));
  });

  it("does not stream: every event arrives at once after the whole generation", async () => {
    const w = await compat("--token-interval-ms", "30", "--eos-after", "0");
    const t0 = performance.now();
    const events = await w.client.execute({ job_id: "n", prompt: "x", max_tokens: 5 });
    // Five tokens 30 ms apart were generated before anything was sent...
    expect(events[1].receivedAt! - t0).toBeGreaterThanOrEqual(100);
    // ...and then every event came in one network chunk (the client stamps a chunk's events alike).
    expect(new Set(events.map((e) => e.receivedAt)).size).toBe(1);
  });

  it("blocks a second /execute until the first ends instead of answering 503", async () => {
    const w = await compat("--token-interval-ms", "10", "--eos-after", "0");
    const first = w.client.execute({ job_id: "1", prompt: "x", max_tokens: 10 });
    await jobStarted(w, "1");
    const second = await w.client.execute({ job_id: "2", prompt: "x", max_tokens: 2 });
    expect(second.at(-1)).toMatchObject({ type: "end", tokens_out: 2 });
    expect((await first).at(-1)!.receivedAt!).toBeLessThanOrEqual(second[0].receivedAt!);
  });

  it("logs like the real builds: tracing JSON lines (message under fields) on stdout, plain text on stderr, no progress events", async () => {
    const w = await compat();
    const messages = w.logs
      .all()
      .map((l) => (l.json?.fields as { message?: string } | undefined)?.message ?? `plain:${l.stream}`);
    for (const l of w.logs.all().filter((x) => x.json))
      expect(Object.keys(l.json!).sort()).toEqual(["fields", "level", "timestamp"]);
    expect(messages).toEqual(
      expect.arrayContaining([
        "Worker starting",
        "Loading model to VRAM...",
        "Model loaded to VRAM",
        "Worker ready, starting HTTP server",
        "plain:stderr",
      ]),
    );
    expect(w.logs.all().some((l) => l.json?.event === "model_load_progress")).toBe(false);
  });

  it("dies at once on SIGTERM, shuts down on SIGINT", async () => {
    const a = await compat();
    process.kill(a.pid, "SIGTERM");
    await expect(a.whenExited()).resolves.toEqual({ code: null, signal: "SIGTERM" });
    const b = await compat();
    process.kill(b.pid, "SIGINT");
    await expect(b.whenExited()).resolves.toEqual({ code: 0, signal: null });
  });

  it("posts the callback before it listens, requires --callback-url, accepts any worker id", async () => {
    const port = await freePort();
    let probe = "";
    const receiver = createServer(async (req, res) => {
      probe = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => `HTTP ${r.status}`,
        (e) => String(e.cause?.code),
      );
      res.writeHead(200).end();
      void req;
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    const cbPort = (receiver.address() as { port: number }).port;
    const args = mockArgs(port, { workerId: "not-a-uuid", extra: ["--compat"] });
    const child = spawn(process.execPath, [...args, "--callback-url", `http://127.0.0.1:${cbPort}/cb`]);
    try {
      await waitFor(() => probe !== "", "the mock's readiness callback");
      expect(probe).toBe("ECONNREFUSED");
    } finally {
      child.kill("SIGKILL");
      receiver.close();
    }
    const noCallback = spawn(process.execPath, args);
    let err = "";
    noCallback.stderr.on("data", (d) => (err += d));
    const code = await new Promise((r) => noCallback.on("exit", r));
    expect(code).toBe(2);
    expect(err).toMatch(/--callback-url is required/);
  });
});
