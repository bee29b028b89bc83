import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type { NodeLlamaCpp } from "./api";

/** The node-llama-cpp major version the engine is written for. */
export const NODE_LLAMA_CPP_MAJOR = 3;

/** The line that installs the engine's runtime, shown in every error about it. */
export const INSTALL_LINE = "npm i -D node-llama-cpp@3";

/** node-llama-cpp is missing or unusable; the message names the install line. */
export class LlamaUnavailableError extends Error {
  override name = "LlamaUnavailableError";
}

/**
 * Folders searched for node-llama-cpp, in order: `WORKER_ORCD_LLAMA_PATH`
 * (a folder whose node_modules holds it), the working directory (the user's
 * project), and this package's own place.
 */
export function searchPaths(env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.WORKER_ORCD_LLAMA_PATH, process.cwd(), __dirname].filter((p): p is string => Boolean(p));
}

/** The entry file of node-llama-cpp, or undefined; never loads it. */
export function findNodeLlamaCpp(paths = searchPaths()): { entry: string; version: string } | undefined {
  for (const base of paths) {
    try {
      const entry = createRequire(join(base, "noop.js")).resolve("node-llama-cpp");
      const pkg = findPackageJson(entry);
      return { entry, version: pkg?.version ?? "unknown" };
    } catch {
      // not under this folder
    }
  }
  return undefined;
}

function findPackageJson(entry: string): { version?: string } | undefined {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
      if (pkg.name === "node-llama-cpp") return pkg;
    } catch {
      // keep walking up
    }
  }
  return undefined;
}

/** A real `import()`: TypeScript's CommonJS output would turn it into `require()`, which this ES module refuses. */
const importModule = new Function("specifier", "return import(specifier)") as (s: string) => Promise<unknown>;

/**
 * Loads node-llama-cpp (an ES module: only in a process of its own, never in
 * Jest's test realm). Throws {@link LlamaUnavailableError} when it is not
 * installed, or is another major version.
 */
export async function loadNodeLlamaCpp(paths = searchPaths()): Promise<NodeLlamaCpp> {
  const found = findNodeLlamaCpp(paths);
  if (!found) {
    throw new LlamaUnavailableError(
      `the llama engine needs node-llama-cpp, an optional peer dependency that is not installed; install it with \`${INSTALL_LINE}\` (looked under: ${paths.join(", ")}; set WORKER_ORCD_LLAMA_PATH to the folder that holds its node_modules)`,
    );
  }
  if (!found.version.startsWith(`${NODE_LLAMA_CPP_MAJOR}.`)) {
    throw new LlamaUnavailableError(
      `the llama engine is written for node-llama-cpp ${NODE_LLAMA_CPP_MAJOR}.x, found ${found.version} (${found.entry}); install it with \`${INSTALL_LINE}\``,
    );
  }
  try {
    return (await importModule(pathToFileURL(found.entry).href)) as NodeLlamaCpp;
  } catch (error) {
    throw new LlamaUnavailableError(
      `node-llama-cpp ${found.version} (${found.entry}) did not load: ${(error as Error).message}; reinstall it with \`${INSTALL_LINE}\``,
    );
  }
}
