import { dirname, join, sep } from "node:path";
import type NodeEnvironmentClass from "jest-environment-node";

type NodeEnvironmentCtor = typeof NodeEnvironmentClass;

/** The folder of the `jest-runner` package running this process, from the modules it has loaded. */
function runnerDir(): string | undefined {
  const marker = `${sep}jest-runner${sep}build${sep}`;
  for (const key of Object.keys(require.cache)) {
    const at = key.lastIndexOf(marker);
    if (at >= 0) return key.slice(0, at + marker.length - `build${sep}`.length);
  }
  return undefined;
}

/**
 * `jest-environment-node` of the Jest that runs the tests (Jest 29 or 30), so
 * the environment's base class matches the user's Jest major: resolved from
 * the running `jest-runner` (which depends on it), else from the project
 * folder, else the package's own copy.
 */
export function loadNodeEnvironment(): NodeEnvironmentCtor {
  const from = [runnerDir(), join(process.cwd(), "node_modules")].filter((p): p is string => Boolean(p));
  for (const base of from) {
    try {
      const path = require.resolve("jest-environment-node", { paths: [dirname(base), base] });
      const mod = require(path) as { default?: NodeEnvironmentCtor; TestEnvironment?: NodeEnvironmentCtor };
      const ctor = mod.TestEnvironment ?? mod.default;
      if (typeof ctor === "function") return ctor;
    } catch {
      // try the next place
    }
  }
  const own = require("jest-environment-node") as {
    default?: NodeEnvironmentCtor;
    TestEnvironment?: NodeEnvironmentCtor;
  };
  return (own.TestEnvironment ?? own.default)!;
}
