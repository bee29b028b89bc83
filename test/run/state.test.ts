import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { noteAttachFailure, refuseRun, runRefused, seenAttachFailure } from "../../src/run/state";

const dir = mkdtempSync(join(tmpdir(), "wojest-run-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { WORKER_ORCD_JEST_STATE: join(dir, "state.json") };

describe("what one run shares between its Jest processes", () => {
  it("an attached worker one file could not use, by its URL", () => {
    expect(seenAttachFailure("http://a:1", env)).toBeUndefined();
    noteAttachFailure("http://a:1", "GET /health answered HTTP 401", env);
    noteAttachFailure("http://b:1", "ECONNREFUSED", env);
    expect(seenAttachFailure("http://a:1", env)).toBe("GET /health answered HTTP 401");
    expect(seenAttachFailure("http://b:1", env)).toBe("ECONNREFUSED");
    expect(seenAttachFailure("http://c:1", env)).toBeUndefined();
    // Without a run folder (no global setup), nothing is kept and nothing is seen.
    noteAttachFailure("http://a:1", "x", {});
    expect(seenAttachFailure("http://a:1", {})).toBeUndefined();
  });

  it("a refusal to run tests, once", () => {
    expect(runRefused(env)).toBeUndefined();
    refuseRun("worker-orcd-jest reporter: unknown option outputdir", env);
    expect(runRefused(env)).toBe("worker-orcd-jest reporter: unknown option outputdir");
  });
});
