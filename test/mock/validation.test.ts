import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { LIMITS } from "../../src/protocol/limits";
import { validateExecuteRequest } from "../../src/protocol/validation";
import type { WorkerProcess } from "../../src/worker/worker-process";
import { startMock, stopAllMocks } from "../helpers/mock";

const base = { job_id: "v", prompt: "Hi", max_tokens: 1 };
const bytes = (n: number) => "x".repeat(n);
const emoji = (n: number) => "🚀".repeat(n); // one scalar value, two UTF-16 units, four bytes

/** [field, valid value at the boundary, invalid value just past it] */
const BOUNDARIES: [string, unknown, unknown][] = [
  ["job_id", "a", ""],
  ["prompt", "a", ""],
  ["prompt", emoji(LIMITS.promptMaxChars), emoji(LIMITS.promptMaxChars + 1)],
  ["max_tokens", LIMITS.maxTokensMin, LIMITS.maxTokensMin - 1],
  ["max_tokens", LIMITS.maxTokensMax, LIMITS.maxTokensMax + 1],
  ["max_tokens", 5, 1.5],
  ["temperature", LIMITS.temperatureMin, -0.01],
  ["temperature", LIMITS.temperatureMax, 2.01],
  ["top_p", LIMITS.topPMin, -0.01],
  ["top_p", LIMITS.topPMax, 1.01],
  ["top_k", LIMITS.topKMin, -1],
  ["top_k", 40, 1.5],
  ["repetition_penalty", LIMITS.repetitionPenaltyMin, -0.01],
  ["repetition_penalty", LIMITS.repetitionPenaltyMax, 2.01],
  ["min_p", LIMITS.minPMin, -0.01],
  ["min_p", LIMITS.minPMax, 1.01],
  ["stop", ["a", "b", "c", "d"], ["a", "b", "c", "d", "e"]],
  ["stop", ["a"], [""]],
  ["stop", [bytes(LIMITS.stopMaxBytes)], [bytes(LIMITS.stopMaxBytes + 1)]],
  ["stop", ["é".repeat(50)], ["é".repeat(51)]],
  ["seed", 0, -1],
  ["seed", 123, 1.5],
  ["seed", 123, "x7"],
];

describe("request validation (shared by the mock and the request builder)", () => {
  let worker: WorkerProcess;
  beforeAll(async () => {
    worker = await startMock({ extraArgs: ["--eos-after", "1"] });
  });
  afterAll(stopAllMocks);

  describe.each(BOUNDARIES)("%s", (field, valid, invalid) => {
    it(`accepts ${JSON.stringify(valid)?.slice(0, 40)}`, async () => {
      expect(validateExecuteRequest({ ...base, [field]: valid })).toEqual([]);
      const res = await worker.client.executeRaw({ ...base, [field]: valid });
      expect(res.status).toBe(200);
      expect(res.headers["content-type"]).toContain("text/event-stream");
    });
    it(`rejects ${JSON.stringify(invalid)?.slice(0, 40)} with a 400 naming ${field}`, async () => {
      expect(validateExecuteRequest({ ...base, [field]: invalid }).map((e) => e.field)).toEqual([field]);
      const res = await worker.client.executeRaw({ ...base, [field]: invalid });
      expect(res.status).toBe(400);
      const body = res.json as { errors: { field: string; constraint: string; message: string }[] };
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0]).toMatchObject({ field });
      expect(body.errors[0].message).toMatch(new RegExp(field));
    });
  });

  it("lists every failing field at once", async () => {
    const res = await worker.client.executeRaw({
      job_id: "",
      prompt: "",
      max_tokens: 0,
      temperature: 9,
      top_p: 2,
      top_k: -1,
      repetition_penalty: 3,
      min_p: 2,
      stop: [""],
      seed: -1,
    });
    expect((res.json as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([
      "job_id",
      "prompt",
      "max_tokens",
      "temperature",
      "top_p",
      "top_k",
      "repetition_penalty",
      "stop",
      "min_p",
      "seed",
    ]);
  });

  it("rejects a missing job_id and prompt, and a body that is not an object or not JSON", async () => {
    expect(validateExecuteRequest({}).map((e) => e.field)).toEqual(["job_id", "prompt"]);
    expect(validateExecuteRequest([1])).toEqual([
      { field: "body", constraint: "type", message: "request body must be a JSON object" },
    ]);
    const res = await worker.client.executeRaw("{nope");
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      errors: [{ field: "body", constraint: "json", message: "request body is not valid JSON" }],
    });
  });

  it("honours --max-tokens-out and --max-tokens-in as tuned limits", async () => {
    const tuned = await startMock({
      extraArgs: ["--max-tokens-out", "100000", "--max-tokens-in", "10", "--eos-after", "1"],
    });
    expect((await tuned.client.executeRaw({ ...base, max_tokens: 100000 })).status).toBe(200);
    const res = await tuned.client.executeRaw({ ...base, prompt: bytes(11) });
    expect(res.json).toMatchObject({ errors: [{ field: "prompt", constraint: "length(1..=10)" }] });
  });
});
