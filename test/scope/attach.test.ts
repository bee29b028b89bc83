import { readdirSync, readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "@jest/globals";
import { isAlive } from "../../src/worker/processes";
import { scopeProjects } from "../helpers/jest-run";
import { startMock, stopAllMocks } from "../helpers/mock";

// Attach to running workers (url, WORKER_ORCD_URL): nothing spawned, nothing stopped; a list
// spread over Jest worker processes; headers and credentials sent, never printed. Part 3: shards over workers.

const { project, remove } = scopeProjects();
afterAll(async () => {
  remove();
  await stopAllMocks();
});

/** A file that records which worker it got, from which Jest worker process. */
const RECORDING = (name: string) => `const fs = require("node:fs");
test("${name}", async () => {
  expect(worker.kind).toBe("attached");
  const events = await worker.execute({ job_id: "${name}", prompt: "hi", max_tokens: 3 });
  expect(events).toCompleteSuccessfully();
  fs.mkdirSync(__dirname + "/seen", { recursive: true });
  fs.writeFileSync(__dirname + "/seen/${name}.json", JSON.stringify({ url: worker.baseUrl, jestWorker: process.env.JEST_WORKER_ID }));
});
`;
const seen = (dir: string) =>
  readdirSync(join(dir, "seen")).map(
    (f) => JSON.parse(readFileSync(join(dir, "seen", f), "utf8")) as { url: string; jestWorker: string },
  );

describe("attach to a running worker", () => {
  it("spawns and stops nothing: the files use the running worker, which outlives the run", async () => {
    const w = await startMock();
    const p = project({ url: w.baseUrl });
    p.write("a.test.js", RECORDING("a"));
    p.write("b.test.js", RECORDING("b"));
    const result = await p.run(["-i"]);
    expect(result.out).toMatch(/Tests: +2 passed, 2 total/);
    expect(result.out).toMatch(
      /attached to 1 running worker\(s\).*GPU, model and binary checks are not applied/,
    );
    expect(result.out).toContain(`${w.baseUrl}: healthy (model mock, Q4_K_M, VRAM 400 MiB)`);
    expect(result.out).toMatch(
      /scope "attached": 0 worker\(s\) started for 2 file\(s\) \(2 attached to a running worker, which was left running\)/,
    );
    expect(seen(p.dir).map((s) => s.url)).toEqual([w.baseUrl, w.baseUrl]);
    expect(isAlive(w.pid)).toBe(true);
    expect(await w.client.health()).toMatchObject({ status: "healthy" });
    expect(await p.survivors()).toEqual([]);
  }, 60_000);

  it("spreads a list over Jest worker processes, one each, and says which --maxWorkers fits when it is too short", async () => {
    const [a, b] = [await startMock(), await startMock()];
    const p = project();
    for (const n of ["f1", "f2", "f3", "f4"]) p.write(`${n}.test.js`, RECORDING(n));
    const spread = await p.run(["--maxWorkers=2"], { WORKER_ORCD_URL: `${a.baseUrl},${b.baseUrl}` });
    expect(spread.out).toMatch(/Tests: +4 passed, 4 total/);
    for (const s of seen(p.dir)) expect(s.url).toBe(s.jestWorker === "1" ? a.baseUrl : b.baseUrl);
    // A fresh project (no cached timings, so Jest really starts two worker processes) with one URL for two.
    const q = project();
    for (const n of ["f1", "f2", "f3", "f4"]) q.write(`${n}.test.js`, RECORDING(n));
    const short = await q.run(["--maxWorkers=2"], { WORKER_ORCD_URL: a.baseUrl });
    expect(short.code).toBe(1);
    expect(short.out).toMatch(
      /2 test worker processes \(Jest's or Vitest's\) but 1 worker URL\(s\): .*run with --maxWorkers=1/,
    );
    const fits = await q.run(["--maxWorkers=1"], { WORKER_ORCD_URL: a.baseUrl });
    expect(fits.out).toMatch(/Tests: +4 passed, 4 total/);
  }, 90_000);

  it("sends headers and a URL's credentials with every request, and prints neither", async () => {
    const w = await startMock();
    const want = `Basic ${Buffer.from("ci:s3cret").toString("base64")}`;
    const refused: string[] = [];
    // An authenticating proxy in front of the mock: 401 for any request without both headers.
    const proxy: Server = createServer((req, res) => {
      if (req.headers.authorization !== want || req.headers["x-team"] !== "gpu") {
        refused.push(`${req.method} ${req.url}`);
        res.writeHead(401).end("no");
        return;
      }
      const up = request(
        { host: "127.0.0.1", port: w.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (proxy.address() as { port: number }).port;
      const p = project({ url: `http://ci:s3cret@127.0.0.1:${port}`, headers: { "X-Team": "gpu" } });
      p.write("a.test.js", RECORDING("a"));
      const result = await p.run(["-i"]);
      expect(result.out).toMatch(/Tests: +1 passed, 1 total/);
      expect(refused).toEqual([]);
      expect(result.out).not.toContain("s3cret");
      expect(seen(p.dir)[0].url).toBe(`http://127.0.0.1:${port}`);
    } finally {
      proxy.close();
    }
  }, 60_000);

  it("a test that leaves a job running ends it; the next file finds the attached worker idle", async () => {
    const w = await startMock({ extraArgs: ["--token-interval-ms", "10", "--eos-after", "0"] });
    const p = project({ url: w.baseUrl }, { testSequencer: "./sequencer.js" });
    p.write("sequencer.js", require("../helpers/jest-run").NAME_ORDER_SEQUENCER);
    p.write(
      "a.test.js",
      `test("times out mid-stream", async () => { await worker.execute({ job_id: "long", prompt: "hi", max_tokens: 2000 }); }, 300);\n`,
    );
    p.write("b.test.js", RECORDING("b"));
    const result = await p.run(["-i"]);
    expect(result.out).toMatch(/Tests: +1 failed, 1 passed, 2 total/);
    expect(result.out).not.toMatch(/WORKER_BUSY|still busy/);
  }, 60_000);

  it("a worker that does not answer healthy fails each file, naming the URL and the wait", async () => {
    const p = project({ url: "http://127.0.0.1:9", startupTimeoutMs: 600 });
    p.write("a.test.js", RECORDING("a"));
    const result = await p.run(["-i"]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /the attached worker at http:\/\/127\.0\.0\.1:9 was not healthy within 600 ms \(startupTimeoutMs\)/,
    );
  }, 60_000);
});

describe("an attached worker that cannot be used fails fast", () => {
  /** A server on loopback that answers every request with `status` and `body`. */
  async function answering(status: number, body: string): Promise<{ url: string; close: () => void }> {
    const server = createServer((_req, res) =>
      res.writeHead(status, { "content-type": "text/plain" }).end(body),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const { port } = server.address() as { port: number };
    return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
  }

  it.each([
    [401, "unauthorized", /GET \/health answered HTTP 401: the worker refused this run's credentials/],
    [404, "not found", /HTTP 404: nothing serves GET \/health at this address/],
    [200, "<html>a web page</html>", /HTTP 200 with a body that is not a \/health body/],
  ])(
    "an answer of HTTP %i that waiting cannot change fails every file at once, not at the start-up deadline",
    async (status, body, reason) => {
      const server = await answering(status, body);
      try {
        // Ten minutes of start-up timeout, inside a one-minute test: only a wait that ends at once can pass.
        const p = project({ url: server.url, startupTimeoutMs: 600_000 });
        p.write("a.test.js", RECORDING("a"));
        p.write("b.test.js", RECORDING("b"));
        const result = await p.run(["-i"]);
        expect(result.code).toBe(1);
        expect(result.out).toMatch(/Tests: +2 failed, 2 total/);
        expect(result.out).toMatch(
          new RegExp(`the attached worker at ${server.url.replace(/\./g, "\\.")} cannot be used`),
        );
        expect(result.out).toMatch(reason);
        expect(result.out).not.toMatch(/was not healthy within/);
        expect(result.out).toMatch(/found by an earlier file of this run; not tried again/);
      } finally {
        server.close();
      }
    },
    60_000,
  );

  it("a URL where nothing listens is waited for once per run: later files fail at once with the same reason", async () => {
    const p = project({ url: "http://127.0.0.1:9", startupTimeoutMs: 2000 });
    for (const n of ["a", "b", "c"]) p.write(`${n}.test.js`, RECORDING(n));
    const result = await p.run(["-i"]);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/Tests: +3 failed, 3 total/);
    const waits =
      result.out.match(/was not healthy within 2000 ms \(startupTimeoutMs\): ECONNREFUSED/g) ?? [];
    const once = result.out.match(/\(found by an earlier file of this run; not tried again\)/g) ?? [];
    // Each failure is printed for every test of its file; one file waited, the other two did not.
    expect(
      new Set(result.out.match(/could not start the attached worker for \w\.test\.js: [^\n]*/g)).size,
    ).toBe(3);
    expect(waits.length).toBeGreaterThan(0);
    expect(once.length).toBeGreaterThanOrEqual(2);
  }, 60_000);
});

describe("a suite over a fleet", () => {
  it("two Jest runs shard one suite, each against its own attached worker", async () => {
    const [a, b] = [await startMock(), await startMock()];
    const p = project();
    for (const n of ["s1", "s2", "s3", "s4"]) p.write(`${n}.test.js`, RECORDING(n));
    const [one, two] = await Promise.all([
      p.run(["--shard=1/2", "-i"], { WORKER_ORCD_URL: a.baseUrl }),
      p.run(["--shard=2/2", "-i"], { WORKER_ORCD_URL: b.baseUrl }),
    ]);
    expect(one.out).toMatch(/Tests: +2 passed, 2 total/);
    expect(two.out).toMatch(/Tests: +2 passed, 2 total/);
    const urls = seen(p.dir).map((s) => s.url);
    expect(urls.filter((u) => u === a.baseUrl)).toHaveLength(2);
    expect(urls.filter((u) => u === b.baseUrl)).toHaveLength(2);
  }, 60_000);
});
