import type { Config } from "@jest/types";
import { endRun } from "../runner/run-end";
import { holdingOpen } from "../util/timers";

/** Jest global teardown: the run's end ({@link endRun}), in Jest's terms (`--silent`, `-t`, `-u`). */
export default function globalTeardown(globalConfig?: Config.GlobalConfig): Promise<void> {
  return holdingOpen(() =>
    endRun({
      silent: globalConfig?.silent === true,
      wholeFiles: !globalConfig?.testNamePattern,
      removeObsolete: globalConfig?.updateSnapshot === "all",
    }),
  );
}
