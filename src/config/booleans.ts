import { ConfigError } from "../client/errors";

const TRUE = ["1", "true", "yes", "on"];
const FALSE = ["0", "false", "no", "off", ""];

/**
 * Reads a boolean environment variable: `1/true/yes/on` and
 * `0/false/no/off` (any case; unset or empty is false). Anything else is a
 * {@link ConfigError} naming the variable, so `WORKER_ORCD_REQUIRE_GPU=ye`
 * fails the run instead of silently meaning "off".
 */
export function envFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name];
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (TRUE.includes(value)) return true;
  if (FALSE.includes(value)) return false;
  throw new ConfigError(
    `${name} must be one of 1/true/yes/on or 0/false/no/off (any case), got ${JSON.stringify(raw)}`,
  );
}
