import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { collectSseEvents } from "../../src/assertions";
import { WorkerHttpError } from "../../src/client/errors";
import { JobLedger } from "../../src/client/job-ledger";
import { WorkerClient } from "../../src/client/worker-client";
import { InvalidRequestError, makeTestRequest } from "../../src/fixtures/make-request";
import { serializeRequest } from "../../src/protocol/request";
import type { WorkerProcess } from "../../src/worker/worker-process";
import { startMock, stopAllMocks } from "../helpers/mock";
import { jobStarted } from "../helpers/wait";

let w: WorkerProcess;
beforeAll(async () => {
  w = await startMock({ extraArgs: ["--eos-after", "0", "--token-interval-ms", "2"] });
});
afterAll(stopAllMocks);

const U64_MAX = 18446744073709551615n;

describe("seeds over the whole u64 range", () => {
  it("rejects seeds a JavaScript number cannot hold exactly, and accepts bigint and decimal strings", () => {
    expect(() => makeTestRequest("s", "hi", 1, { seed: 1e30 })).toThrow(InvalidRequestError);
    expect(() => makeTestRequest("s", "hi", 1, { seed: 2 ** 60 })).toThrow(/lost precision.*bigint/);
    expect(() => makeTestRequest("s", "hi", 1, { seed: U64_MAX + 1n })).toThrow(/unsigned 64-bit/);
    expect(() => makeTestRequest("s", "hi", 1, { seed: "18446744073709551616" })).toThrow(/unsigned 64-bit/);
    expect(makeTestRequest("s", "hi", 1, { seed: U64_MAX }).seed).toBe(U64_MAX);
    expect(serializeRequest({ job_id: "s", prompt: "hi", seed: U64_MAX })).toBe(
      '{"job_id":"s","prompt":"hi","seed":18446744073709551615}',
    );
    expect(serializeRequest({ job_id: "s", prompt: "hi", seed: "123456789012345678" })).toContain(
      '"seed":123456789012345678',
    );
  });

  it("the mock checks the seed exactly as written: 2^64-1 is valid, 2^64 is not, a string is not", async () => {
    const body = (seed: string) => `{"job_id":"s","prompt":"hi","max_tokens":1,"seed":${seed}}`;
    const ok = await w.client.executeRaw(body("18446744073709551615"));
    expect(ok.status).toBe(200);
    const over = await w.client.executeRaw(body("18446744073709551616"));
    expect(over.status).toBe(400);
    expect(over.text).toMatch(/seed/);
    expect((await w.client.executeRaw(body('"7"'))).status).toBe(400);
    const events = await w.client.execute({ job_id: "big", prompt: "hi", max_tokens: 2, seed: U64_MAX });
    expect(events.at(-1)).toMatchObject({ type: "end", tokens_out: 2 });
  });
});

describe("collectSseEvents decodes and fails like the client", () => {
  it("throws the WorkerHttpError naming the rejected fields for a 400", async () => {
    const res = await fetch(`${w.baseUrl}/execute`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ job_id: "", prompt: "", max_tokens: 0 }),
    });
    const error = await collectSseEvents(res).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerHttpError);
    expect(error.message).toMatch(/HTTP 400: rejected field\(s\): job_id, prompt, max_tokens/);
  });

  it("names what it was given, not POST /execute, for another route's answer", async () => {
    const error = await collectSseEvents(await fetch(`${w.baseUrl}/health`)).catch((e) => e);
    expect(error).toBeInstanceOf(WorkerHttpError);
    expect(error.message).toContain(
      `the response given to collectSseEvents (${w.baseUrl}/health) answered 200 with content-type "application/json"`,
    );
    expect(error.message).not.toMatch(/POST \/execute/);
  });
});

describe("stream() keeps memory flat and a break frees the worker", () => {
  it("keeps only a window of events while iterating; errors still show a timeline", async () => {
    const stalling = await startMock({
      idleTimeoutMs: 300,
      extraArgs: ["--token-interval-ms", "0", "--eos-after", "0", "--fault", "stall-mid-stream:1500"],
    });
    let n = 0;
    const error = await (async () => {
      for await (const event of stalling.client.stream({ job_id: "w", prompt: "hi", max_tokens: 2048 })) {
        void event;
        n++;
      }
    })().catch((e) => e);
    expect(n).toBeGreaterThan(1500);
    expect(error.name).toBe("IdleTimeoutError");
    expect(error.message).toMatch(/after \d{4} event\(s\): #0 started .* event\(s\) not kept … {2}#\d{4}/);
    expect(error.events.length).toBeLessThanOrEqual(8 + 64);
  });

  it("break, then execute at once, never meets a busy worker (200 rounds)", async () => {
    const client = new WorkerClient(w.baseUrl);
    for (let k = 0; k < 200; k++) {
      for await (const event of client.stream({ job_id: `b${k}`, prompt: "hi", max_tokens: 2048 })) {
        if (event.type === "token") break;
      }
      const events = await client.execute({ job_id: `e${k}`, prompt: "hi", max_tokens: 1 });
      expect(events.at(-1)).toMatchObject({ type: "end" });
    }
  });

  it("names who started the running job when the worker is busy", async () => {
    const jobs = new JobLedger();
    jobs.owner = "first test";
    const client = new WorkerClient(w.baseUrl, { jobs });
    const running = client.execute({ job_id: "a", prompt: "hi", max_tokens: 2048 });
    await jobStarted(w, "a");
    const error = await client.execute({ job_id: "b", prompt: "hi", max_tokens: 1 }).catch((e) => e);
    expect(error.message).toMatch(/HTTP 503/);
    expect(error.message).toMatch(/the running job "a" was started by test "first test" \(this test\)/);
    jobs.abortOwnedBy("first test", "test over");
    await expect(running).rejects.toThrow(/the request for job "a" was ended: test over/);
  });
});
