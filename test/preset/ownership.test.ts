import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { REPO, scopeProjects } from "../helpers/jest-run";

// Every request that can start a job is owned by the test that made it (concurrent tests
// too), ended with that test only, and a rejected call is not an abandoned one. Real Jest runs against the mock.

const { project, remove } = scopeProjects();
afterAll(remove);
const DIST = JSON.stringify(join(REPO, "dist"));

describe("whose request is it", () => {
  it("test.concurrent with a harness each: no test is blamed for another's request", async () => {
    const p = project();
    p.write(
      "concurrent.test.js",
      `const { WorkerTestHarness } = require(${DIST});
const run = (tokens, interval, linger = 0) => async () => {
  const h = await WorkerTestHarness.startMock({ tokenIntervalMs: interval, eosAfter: 0 });
  const events = await h.execute({ job_id: "j" + tokens, prompt: "hi", max_tokens: tokens });
  expect(events).toHaveTokenCount(tokens);
  await new Promise((r) => setTimeout(r, linger));
};
// "fast" is the running test while the others' calls begin, and ends while "slow" still streams.
test.concurrent("fast", run(3, 5, 300));
test.concurrent("medium", run(10, 20));
test.concurrent("slow", run(20, 40));
`,
    );
    const result = await p.run([]);
    expect(result.out).not.toMatch(/JobAbandonedError/);
    expect(result.out).toMatch(/Tests: +3 passed, 3 total/);
    expect(result.code).toBe(0);
  }, 60_000);

  it("test.concurrent against the global worker: the 503 names the test that really started the job", async () => {
    const p = project({ mockArgs: ["--eos-after", "0", "--token-interval-ms", "30"] });
    p.write(
      "busy.test.js",
      `test.concurrent("c1", async () => {
  const events = await worker.execute({ job_id: "long", prompt: "hi", max_tokens: 20 });
  expect(events).toHaveTokenCount(20);
});
test.concurrent("c2", async () => {
  // Waits for the worker's own word that "long" runs (a loaded machine may take long to send it).
  while (!worker.logs.some((l) => /job started.*"long"/.test(l.text))) await new Promise((r) => setTimeout(r, 20));
  const error = await worker.execute({ job_id: "second", prompt: "hi", max_tokens: 2 }).catch((e) => e);
  expect(error.message).toMatch(/503/);
  expect(error.message).toMatch(/the running job "long" was started by test "c1" \\d+ ms ago/);
  expect(error.message).not.toMatch(/this test/);
});
`,
    );
    const result = await p.run([]);
    expect(result.out).toMatch(/Tests: +2 passed, 2 total/);
  }, 60_000);

  it("a test that times out in executeRaw ends its job; the next test finds the worker idle and is told whose it was", async () => {
    const p = project(
      { scope: "process", mockArgs: ["--eos-after", "0", "--token-interval-ms", "20"] },
      { testSequencer: "./sequencer.js" },
    );
    p.write("sequencer.js", require("../helpers/jest-run").NAME_ORDER_SEQUENCER);
    p.write(
      "a.test.js",
      `test("raw and slow", async () => {
  await worker.executeRaw({ job_id: "raw-long", prompt: "hi", max_tokens: 2000 });
}, 300);
test("next", async () => {
  const events = await worker.execute({ job_id: "after", prompt: "hi", max_tokens: 2 });
  expect(events).toHaveTokenCount(2);
});
`,
    );
    p.write(
      "b.test.js",
      `test("the next file gets an idle worker", async () => {
  expect(await worker.health()).toBeHealthy();
  expect(await worker.execute({ job_id: "b", prompt: "hi", max_tokens: 2 })).toCompleteSuccessfully();
});
`,
    );
    const result = await p.run(["-i"]);
    expect(result.out).toMatch(/Exceeded timeout of 300 ms/);
    expect(result.out).toMatch(/Tests: +1 failed, 2 passed, 3 total/);
    // The raw job was owned and abandoned, so the kept worker was not handed on busy: b.test.js got a fresh one.
    expect(result.out).toMatch(/2 worker\(s\) started for 2 file\(s\)/);
  }, 60_000);

  it("a rejected execute() is not abandoned: scope process hands the worker on", async () => {
    const p = project({ scope: "process" }, { testSequencer: "./sequencer.js" });
    p.write("sequencer.js", require("../helpers/jest-run").NAME_ORDER_SEQUENCER);
    p.write(
      "a.test.js",
      `test("rejected", async () => {
  const error = await worker.execute({ job_id: "bad", prompt: "", max_tokens: 0 }).catch((e) => e);
  expect(error.message).toMatch(/400/);
});
`,
    );
    p.write("b.test.js", `test("b", async () => { expect(await worker.health()).toBeHealthy(); });\n`);
    const result = await p.run(["-i"]);
    expect(result.out).toMatch(/Tests: +2 passed, 2 total/);
    expect(result.out).toMatch(/1 worker\(s\) started for 2 file\(s\) \(1 took over a kept worker/);
  }, 60_000);

  it("a for-await over stream() that a Jest timeout abandoned throws at its next step", async () => {
    const p = project({ mockArgs: ["--eos-after", "0", "--token-interval-ms", "1"] });
    p.write(
      "stream.test.js",
      `const fs = require("node:fs");
test("slow consumer", async () => {
  let seen = 0;
  try {
    for await (const event of worker.stream({ job_id: "s", prompt: "hi", max_tokens: 200 })) {
      seen++;
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (error) {
    fs.writeFileSync(__dirname + "/caught", error.name + " after " + seen);
    return;
  }
  fs.writeFileSync(__dirname + "/caught", "ran to the end: " + seen);
}, 200);
test("later", async () => {
  await new Promise((r) => setTimeout(r, 300));
  fs.writeFileSync(__dirname + "/later", fs.readFileSync(__dirname + "/caught", "utf8"));
});
`,
    );
    const result = await p.run([]);
    expect(result.out).toMatch(/Tests: +1 failed, 1 passed, 2 total/);
    expect(result.out).not.toMatch(/did not exit one second after/);
    const caught = require("node:fs").readFileSync(join(p.dir, "later"), "utf8") as string;
    expect(caught).toMatch(/^JobAbandonedError after \d+$/);
    expect(Number(caught.split(" ").at(-1))).toBeLessThan(20);
  }, 60_000);
});
