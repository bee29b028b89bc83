// Type test, style 1: Jest's globals typed by @types/jest (no import of expect).
import type { ReceivedEvent } from "worker-orcd-jest";

declare const events: ReceivedEvent[];

export async function globalStyle(): Promise<void> {
  expect(events).toHaveValidEventOrder();
  expect(events).toCompleteSuccessfully();
  expect(events).toHaveTokenCount(5);
  expect(events).toHaveTokenCount({ atLeast: 1, atMost: 9 });
  expect(events).toHaveStopReason("max_tokens");
  expect(events).toHaveMatchedStopSequence(".");
  expect(events).toFailWithCode("CANCELLED");
  expect(events).toHaveText(/hi/);
  expect(events).toHaveFirstTokenWithin(100);
  expect(events).toStreamAtLeast(20);
  expect(events).toStreamWithoutStalls({ firstTokenMs: 500, gapMs: 200 });
  expect(events).toHaveStoppedCleanly({ withinMs: 5000 });
  await expect(worker).toBeDeterministic({ job_id: "d", prompt: "p", max_tokens: 4, seed: 1 }, { runs: 2 });
  expect(events).toMeetSlo({ ttftMs: 500, tpotMs: 50 });
  expect(await worker.health()).toBeHealthy();
  expect(await worker.executeRaw({})).toBeRejectedFor(["prompt"]);
  await expect(worker.execute({ job_id: "j", prompt: "p", max_tokens: 1 })).resolves.toHaveValidEventOrder();
  expect(events).not.toFailWithCode("INFERENCE_TIMEOUT");

  // @ts-expect-error a token count is a number or a range, not a string
  expect(events).toHaveTokenCount("5");
  // @ts-expect-error not a stop reason
  expect(events).toHaveStopReason("finished");
  // @ts-expect-error not an error code
  expect(events).toFailWithCode("NOPE");
  // @ts-expect-error takes no argument
  expect(events).toHaveValidEventOrder(1);
  // @ts-expect-error SLO bounds are numbers of ms
  expect(events).toMeetSlo({ e2eMs: "1s" });
  // @ts-expect-error milliseconds are a number
  expect(events).toHaveFirstTokenWithin("fast");
  // @ts-expect-error the global worker has no such method
  worker.explode();
}
