import { afterAll, describe, expect, it } from "@jest/globals";
import { finishingStops, letGo } from "../../src/scope/let-go";
import { isAlive } from "../../src/worker/processes";
import { startMock, stopAllMocks } from "../helpers/mock";

afterAll(stopAllMocks);

describe("letting a worker go", () => {
  it("the mock's stop begins at once and is not awaited; finishingStops sees it through", async () => {
    const w = await startMock();
    await letGo(w);
    // The file's teardown goes on while the mock exits; the in-band teardown waits for every stop under way.
    await finishingStops();
    expect(w.exit).toBeDefined();
    expect(isAlive(w.pid)).toBe(false);
  });

  it("a worker that is not the mock (one that may hold a GPU) is awaited to its end", async () => {
    const w = await startMock();
    let finished = false;
    const realLike = {
      spec: { binary: "/opt/worker-orcd" },
      stop: async () => {
        const report = await w.stop();
        finished = true;
        return report;
      },
      terminateNow: () => w.terminateNow(),
    };
    await letGo(realLike);
    expect(finished).toBe(true);
  });
});
