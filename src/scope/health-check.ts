import type { WorkerClient } from "../client/worker-client";

/**
 * True when the worker answers `GET /health` with `healthy` within
 * `timeoutMs` (and does not report itself busy); false when it is dead,
 * unhealthy, or blocked by a running job (the last real builds block every
 * route). The one check behind handing a kept worker on and seeing an
 * attached one idle again.
 */
export async function answersHealthy(client: WorkerClient, timeoutMs: number): Promise<boolean> {
  try {
    const health = (await client.health({ timeoutMs })) as { status?: unknown; busy?: unknown };
    return health.status === "healthy" && health.busy !== true;
  } catch {
    return false;
  }
}
