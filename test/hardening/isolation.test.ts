import { afterAll, describe, expect, it } from "@jest/globals";
import { FixtureProject } from "../helpers/jest-run";

const projects: FixtureProject[] = [];
afterAll(() => {
  for (const p of projects) p.remove();
});

describe("one test's requests end with that test", () => {
  it("a test that times out while streaming, or forgets to await, never makes a later test fail", async () => {
    const p = new FixtureProject({
      testEnvironmentOptions: { workerOrcd: { mockArgs: ["--eos-after", "0", "--token-interval-ms", "20"] } },
    });
    projects.push(p);
    p.write(
      "timeout.test.js",
      `
test("streams past its Jest timeout", async () => {
  await worker.execute({ job_id: "a", prompt: "hi", max_tokens: 2048 });
}, 300);
test("runs right after it", async () => {
  const events = await worker.execute({ job_id: "b", prompt: "hi", max_tokens: 2 });
  expect(events).toCompleteSuccessfully();
});
test("forgets to await a request", () => {
  void worker.execute({ job_id: "c", prompt: "hi", max_tokens: 2048 });
});
test("runs after the forgotten one", async () => {
  const events = await worker.execute({ job_id: "d", prompt: "hi", max_tokens: 2 });
  expect(events).toCompleteSuccessfully();
});
test("has two jobs at once itself", async () => {
  const first = worker.execute({ job_id: "e", prompt: "hi", max_tokens: 2048 });
  while (!worker.logs.some((l) => /job started.*"e"/.test(l.text))) await new Promise((r) => setTimeout(r, 20));
  const error = await worker.execute({ job_id: "f", prompt: "hi", max_tokens: 1 }).catch((e) => e);
  require("node:fs").writeFileSync(__dirname + "/busy.txt", error.message);
  await worker.cancel("e");
  await first;
});
`,
    );
    const result = await p.run();
    expect(result.out).toMatch(/✕ streams past its Jest timeout/);
    expect(result.out).toMatch(/✓ runs right after it/);
    expect(result.out).toMatch(/✓ forgets to await a request/);
    expect(result.out).toMatch(/✓ runs after the forgotten one/);
    expect(result.out).toMatch(/Tests: +1 failed, 4 passed, 5 total/);
    expect(result.out).not.toMatch(/WORKER_BUSY/);
    const busy = require("node:fs").readFileSync(`${p.dir}/busy.txt`, "utf8");
    expect(busy).toMatch(
      /HTTP 503.*the running job "e" was started by test "has two jobs at once itself" \(this test\)/,
    );
    expect(await p.survivors()).toEqual([]);
  });
});
