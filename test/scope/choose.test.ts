import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "../../src/client/errors";
import { resolveOptions } from "../../src/config/options";
import { isAttached, pickDevice, pickUrl, sourceFor } from "../../src/scope/choose";

/** Runs `fn` as the Jest worker process `id` (undefined: none set), whichever this test's own process is. */
function asJestWorker<T>(id: string | undefined, fn: () => T): T {
  const saved = process.env.JEST_WORKER_ID;
  if (id === undefined) delete process.env.JEST_WORKER_ID;
  else process.env.JEST_WORKER_ID = id;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.JEST_WORKER_ID;
    else process.env.JEST_WORKER_ID = saved;
  }
}

describe("which source serves a file", () => {
  it("attaches when url is set, else the configured scope", () =>
    asJestWorker("1", () => {
      const started = resolveOptions({}, {}, "/p", {});
      expect(isAttached(started)).toBe(false);
      expect(sourceFor(started).name).toBe("file");
      expect(sourceFor({ ...started, scope: "process" }).name).toBe("process");
      const attached = resolveOptions({ url: "http://127.0.0.1:9" }, {}, "/p", {});
      expect(isAttached(attached)).toBe(true);
      expect(sourceFor(attached).name).toBe("attached");
    }));

  it("refuses, when the source is chosen, a Jest process that has no URL of its own", () => {
    const attached = resolveOptions({ url: ["http://a:1", "http://b:1"] }, {}, "/p", {});
    asJestWorker("3", () =>
      expect(() => sourceFor(attached)).toThrow(
        /3 test worker processes \(Jest's or Vitest's\) but 2 worker URL\(s\).*--maxWorkers=2/,
      ),
    );
  });
});

describe("which GPU and which URL are this Jest worker's", () => {
  it("spreads devices over Jest workers, round robin", () => {
    expect([1, 2, 3, 4].map((id) => pickDevice([0, 1], String(id)))).toEqual([0, 1, 0, 1]);
    expect(asJestWorker(undefined, () => pickDevice([3]))).toBe(3);
  });

  it("gives each Jest worker its own URL and never shares one", () => {
    expect(["1", "2"].map((id) => pickUrl(["http://a", "http://b"], id))).toEqual(["http://a", "http://b"]);
    expect(asJestWorker(undefined, () => pickUrl(["http://a"]))).toBe("http://a");
    expect(() => pickUrl(["http://a"], "2")).toThrow(ConfigError);
  });
});
