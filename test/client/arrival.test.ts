import { afterAll, describe, expect, it } from "@jest/globals";
import { arrivedAtOnce } from "../../src/client/arrival";
import { makeTestRequest, TestPrompts } from "../../src/fixtures";
import { startMock, stopAllMocks } from "../helpers/mock";

afterAll(stopAllMocks);

const timesOf = (events: Array<{ type: string; receivedAt?: number }>) =>
  events.filter((e) => e.type === "token").map((e) => e.receivedAt as number);

describe("one rule for a stream whose tokens all arrived at once", () => {
  it("is less than 1 ms from the first token to the last, with two tokens at least", () => {
    expect(arrivedAtOnce([5, 5, 5])).toBe(true); // one network read
    expect(arrivedAtOnce([5, 5.4, 5.9])).toBe(true);
    expect(arrivedAtOnce([5, 6])).toBe(false); // the mock's default pace: 1 ms a token
    expect(arrivedAtOnce([1, 2, 2, 2, 2])).toBe(false); // a streaming worker the client read late once
    expect(arrivedAtOnce([5])).toBe(false); // one token: nothing to judge
  });

  it("always calls the mock's buffered fault so, against a real process", async () => {
    const buffered = await startMock({ extraArgs: ["--fault", "buffered"] });
    for (let k = 0; k < 3; k++) {
      const events = await buffered.client.execute(makeTestRequest(`b${k}`, TestPrompts.simple(), 5));
      expect(timesOf(events).length).toBeGreaterThanOrEqual(2);
      expect(arrivedAtOnce(timesOf(events))).toBe(true);
    }
  });
});
