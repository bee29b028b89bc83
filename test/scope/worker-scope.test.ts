import { afterAll, describe, expect, it } from "@jest/globals";
import { stopKeptWorkers, workerScope } from "../../src/scope/worker-scope";
import { isAlive } from "../../src/worker/processes";
import { mockOptions } from "../helpers/mock";
import { waitFor } from "../helpers/wait";

afterAll(stopKeptWorkers);

const mock = mockOptions;

describe("the started sources: scope file and scope process", () => {
  it('"file" starts a worker for the file and stops it when the file gives it back', async () => {
    const source = workerScope("file");
    expect(source.name).toBe("file");
    const { worker, origin } = await source.acquire(mock());
    expect(origin).toBe("started");
    await source.release(worker);
    await stopKeptWorkers(); // sees the mock's stop through
    expect(isAlive(worker.pid)).toBe(false);
  });

  it('"process" hands its worker to the next file of the same identity, and replaces it for another', async () => {
    const source = workerScope("process");
    const first = await source.acquire(mock());
    await source.release(first.worker);
    const again = await source.acquire(mock());
    expect(again.origin).toBe("kept");
    expect(again.worker.pid).toBe(first.worker.pid);
    await source.release(again.worker);
    const other = await source.acquire(mock({ extraArgs: ["--eos-after", "0"] }));
    expect(other.origin).toBe("started");
    expect(other.worker.pid).not.toBe(first.worker.pid);
    // The kept one was let go (the mock's stop is not awaited): it ends.
    await waitFor(() => !isAlive(first.worker.pid), "the replaced worker to end");
    await source.release(other.worker);
  }, 60_000);
});
