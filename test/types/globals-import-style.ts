// Type test, style 2: expect imported from @jest/globals.
import { expect } from "@jest/globals";
import type { ReceivedEvent } from "worker-orcd-jest";

declare const events: ReceivedEvent[];

export async function importStyle(): Promise<void> {
  expect(events).toHaveValidEventOrder();
  expect(events).toCompleteSuccessfully();
  expect(events).toHaveTokenCount({ atMost: 3 });
  expect(events).toHaveStopReason("EOS");
  expect(events).toFailWithCode("TIMEOUT");
  expect(events).toHaveText("x");
  expect({ status: "healthy" }).toBeHealthy();
  expect({}).toBeRejectedFor("max_tokens");
  await expect(Promise.resolve(events)).resolves.toCompleteSuccessfully();
  expect(events).toMeetSlo({ e2eMs: 1000 });

  // @ts-expect-error a token count is a number or a range
  expect(events).toHaveTokenCount(true);
  // @ts-expect-error not a stop reason
  expect(events).toHaveStopReason("done");
  // @ts-expect-error fields are strings
  expect({}).toBeRejectedFor(42);
  // @ts-expect-error tokens per second is a number
  expect(events).toStreamAtLeast("fast");
  // @ts-expect-error SLO bounds are ttftMs, tpotMs, e2eMs
  expect(events).toMeetSlo({ ttft: 5 });
  // @ts-expect-error stall bounds are firstTokenMs and gapMs
  expect(events).toStreamWithoutStalls({ gap: 5 });
  // @ts-expect-error the bound is withinMs
  expect(events).toHaveStoppedCleanly({ within: 5 });
  // @ts-expect-error the request is an execute request
  await expect(worker).toBeDeterministic({ prompt: 1 });
}
