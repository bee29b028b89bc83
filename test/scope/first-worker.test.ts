import { afterAll, describe, expect, it } from "@jest/globals";
import { offerFirstWorker, prestartFirstWorker } from "../../src/scope/first-worker";
import { spare } from "../../src/scope/spare";

afterAll(() => spare.stop());

describe("the first worker global setup offers", () => {
  it("is started ahead only for an in-band run, and the offer is used once", async () => {
    let started = 0;
    offerFirstWorker({ binary: "mock", model: "mock", gpuDevice: 0 });
    await prestartFirstWorker(false, () => started++);
    expect(started).toBe(0); // several Jest processes: the offer is dropped
    await prestartFirstWorker(true, () => started++);
    expect(started).toBe(0); // dropped for good

    offerFirstWorker({ binary: "mock", model: "mock", gpuDevice: 0 });
    await prestartFirstWorker(true, () => started++);
    expect(started).toBe(1);
    const taken = spare.take({ binary: "mock", model: "mock", gpuDevice: 0 });
    expect(taken).toBeDefined();
    const worker = await taken!.ready;
    expect(worker?.exit).toBeUndefined();
    await worker?.stop();
  });
});
