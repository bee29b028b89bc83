import type { WorkerClient } from "../client/worker-client";
import { HEALTH_CHECK_MS, isIdle } from "../protocol/health";

/**
 * True when the worker answers `GET /health` with `healthy` within
 * `timeoutMs` (and does not report itself busy); false when it is dead,
 * unhealthy, or blocked by a running job (the last real builds block every
 * route). The one check behind handing a kept worker on and seeing an
 * attached one idle again.
 */
export async function answersHealthy(client: WorkerClient, timeoutMs = HEALTH_CHECK_MS): Promise<boolean> {
  try {
    return isIdle(await client.health({ timeoutMs }));
  } catch {
    return false;
  }
}
