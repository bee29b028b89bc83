import { afterAll, expect, it } from "@jest/globals";
import { RequestTimeoutError, UnsupportedRouteError } from "../../src/client/errors";
import { describeRealBuild, REAL_BIN, startReal, stopRealWorkers, TINY_GGUF } from "../helpers/real-build";
import { jobStarted } from "../helpers/wait";

// The package's whole real path against the real worker-orcd (build 5d6c9a4a, CPU stand-in).

afterAll(stopRealWorkers);

describeRealBuild("the real worker-orcd through the package's real path", () => {
  it("passes the five required flags and is ready by /health although the callback comes before the port listens", async () => {
    const w = await startReal();
    for (const flag of ["--worker-id", "--model", "--gpu-device", "--port", "--callback-url"])
      expect(w.command).toContain(`${flag} `);
    expect(w.command.startsWith(REAL_BIN)).toBe(true);
    expect(w.callbackBody).toEqual({
      worker_id: w.workerId,
      vram_bytes: 0,
      uri: `http://localhost:${w.port}`,
    });
    expect(w.listeningAtCallback).toBe(false); // the build posts the callback, then binds
    expect(w.startupMs).toBeGreaterThan(0);
    expect(w.readyHealth).toEqual({ status: "healthy", vram_bytes: 0 });
  });

  it("parses its tracing JSON log lines, message under fields", async () => {
    const w = await startReal();
    const starting = w.logs
      .all()
      .find((l) => (l.json?.fields as { message?: string })?.message === "Worker starting");
    expect(starting?.json).toMatchObject({
      level: "INFO",
      fields: { worker_id: w.workerId, model: TINY_GGUF },
    });
  });

  it("reads data-only frames and keeps BPE tokens exactly as sent", async () => {
    const w = await startReal();
    const events = await w.client.execute({ job_id: "bpe", prompt: "hello", max_tokens: 4 });
    expect(events.map((e) => e.type)).toEqual(["started", "token", "token", "token", "token", "end"]);
    expect(events.filter((e) => e.type === "token").map((e) => (e as { t: string }).t)).toEqual([
      "Hello",
      "Ġworld",
      "Ġfrom",
      "Ġthe",
    ]);
    expect(events[0]).toMatchObject({ model: "model", started_at: "0" });
    expect(events.at(-1)).toMatchObject({ type: "end", tokens_out: 4, stop_reason: "MAX_TOKENS" });
  });

  it("a running job blocks /health and every other route: the timeout messages say so", async () => {
    const w = await startReal({ env: { FAKE_GPU_TOKEN_DELAY_MS: "150" } });
    const running = w.client.execute({ job_id: "long", prompt: "hi", max_tokens: 8 }); // about 1.2 s
    await jobStarted(w, "long");
    const health = await w.client.health({ timeoutMs: 300 }).catch((e) => e);
    expect(health).toBeInstanceOf(RequestTimeoutError);
    expect(health.message).toMatch(
      /GET .*\/health got no answer within 300 ms .*a worker busy with a job may block this route/,
    );
    const second = await w.client
      .execute({ job_id: "second", prompt: "hi", max_tokens: 1 }, { timeoutMs: 300 })
      .catch((e) => e);
    expect(second).toBeInstanceOf(RequestTimeoutError);
    expect(second.message).toMatch(
      /did not finish within 300 ms .*no answer at all: a worker busy with another job may block every route/,
    );
    const events = await running;
    expect(events.at(-1)).toMatchObject({ type: "end", tokens_out: 8 });
  });

  it("slow tokens arrive at once at the end (the stream is written after inference); cancellation is a clear 404", async () => {
    const w = await startReal({ env: { FAKE_GPU_TOKEN_DELAY_MS: "40" } });
    const events = await w.client.execute({ job_id: "slow", prompt: "hi", max_tokens: 5 });
    const tokens = events.filter((e) => e.type === "token");
    const spread = (tokens.at(-1)!.receivedAt ?? 0) - (tokens[0].receivedAt ?? 0);
    expect(spread).toBeLessThan(40); // all in one write, not 40 ms apart
    const cancel = await w.client.cancel("slow").catch((e) => e);
    expect(cancel).toBeInstanceOf(UnsupportedRouteError);
    expect(cancel.message).toMatch(/POST \/cancel and POST \/cancel\/slow both answered 404/);
  });

  it("SIGINT is graceful: the running job ends, then the process exits 0", async () => {
    const w = await startReal({ env: { FAKE_GPU_TOKEN_DELAY_MS: "100" } });
    const running = w.client.execute({ job_id: "drain", prompt: "hi", max_tokens: 6 });
    await jobStarted(w, "drain");
    process.kill(w.pid, "SIGINT");
    expect((await running).at(-1)).toMatchObject({ type: "end", tokens_out: 6 });
    await expect(w.whenExited()).resolves.toEqual({ code: 0, signal: null });
  });

  it("SIGTERM has no handler: the process dies at once by the signal", async () => {
    const w = await startReal();
    const report = await w.stop();
    expect(report.forced).toBe(false);
    await expect(w.whenExited()).resolves.toEqual({ code: null, signal: "SIGTERM" });
  });
});
