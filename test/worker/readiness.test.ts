import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "@jest/globals";
import { finalAnswer, NotReadyError, waitForReady } from "../../src/worker/readiness";

let server: Server | undefined;
afterEach(() => {
  server?.close();
});

/** A server on loopback answering `/health` with what `answer` says for the n-th probe (from 1). */
async function serving(answer: (n: number) => [number, string]): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    const [status, body] = answer(++n);
    res.writeHead(status, {
      "content-type": "application/json",
      "x-seen-auth": req.headers.authorization ?? "",
    });
    res.end(body);
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/health`;
}

describe("which answers end the wait at once", () => {
  it("credentials refused, no such route, a redirect, a body that is not /health; not a 5xx or a loading worker", () => {
    expect(finalAnswer(401, "")).toMatch(/refused this run's credentials/);
    expect(finalAnswer(403, "")).toMatch(/refused this run's credentials/);
    expect(finalAnswer(404, "")).toMatch(/nothing serves GET \/health/);
    expect(finalAnswer(302, "")).toMatch(/a redirect/);
    expect(finalAnswer(200, "<html>")).toMatch(/not a \/health body/);
    expect(finalAnswer(200, '{"status":"healthy","resident":false}')).toBeUndefined();
    expect(finalAnswer(503, "")).toBeUndefined();
  });
});

describe("the one readiness loop", () => {
  it("waits through a loading worker until it is ready, sending the given headers", async () => {
    const url = await serving((n) => [200, JSON.stringify({ status: "healthy", resident: n >= 3 })]);
    const ready = await waitForReady({
      healthUrl: url,
      headers: { authorization: "Bearer t" },
      timeoutMs: 10_000,
      startedAt: performance.now(),
      finalAnswers: true,
    });
    expect(ready.health).toEqual({ status: "healthy", resident: true });
  });

  it("ends at once on a final answer when asked, naming it; probes on to the deadline when not", async () => {
    const url = await serving(() => [401, "no"]);
    const final = await waitForReady({
      healthUrl: url,
      timeoutMs: 600_000,
      startedAt: performance.now(),
      finalAnswers: true,
    }).catch((e) => e);
    expect(final).toBeInstanceOf(NotReadyError);
    expect(final.reason).toBe("final");
    expect(final.last).toMatch(/^HTTP 401: the worker refused/);
    const patient = await waitForReady({
      healthUrl: url,
      timeoutMs: 300,
      startedAt: performance.now(),
    }).catch((e) => e);
    expect(patient.reason).toBe("timeout");
    expect(patient.last).toMatch(/^HTTP 401 no/);
  });
});
