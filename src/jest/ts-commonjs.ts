import { createHash } from "node:crypto";
import { join } from "node:path";
import { privateDir, replaceFile, userTempDir } from "../util/user-dir";

/** What the tests are compiled to instead of ES modules: what Jest's runtime runs without `--experimental-vm-modules`. */
const COMMONJS = {
  module: "commonjs",
  moduleResolution: "node10",
  verbatimModuleSyntax: false,
  esModuleInterop: true,
};

/**
 * The tsconfig ts-jest compiles a project's tests with, when the project's
 * own would emit ES modules (`module` `nodenext`, `esnext`, ...; or
 * `verbatimModuleSyntax`, as `tsc --init` writes) that Jest's CommonJS
 * runtime cannot run: a file that extends the project's tsconfig and changes
 * only its module output. Everything else (strictness, paths, types, lib)
 * stays the project's. Written in this user's private state folder, named
 * by the project's tsconfig. Undefined where the project has no tsconfig or
 * already compiles to CommonJS.
 */
export function commonJsTsconfig(rootDir: string): string | undefined {
  const ts = require("typescript") as typeof import("typescript");
  const base = ts.findConfigFile(rootDir, ts.sys.fileExists);
  if (!base) return undefined;
  const parsed = ts.getParsedCommandLineOfConfigFile(
    base,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  );
  const options = parsed?.options;
  if (!options) return undefined;
  const esm =
    (options.module !== undefined && options.module >= ts.ModuleKind.ES2015) || options.verbatimModuleSyntax;
  if (!esm) return undefined;
  const dir = privateDir(userTempDir("tsconfig"));
  const path = join(dir, `${createHash("sha256").update(base).digest("hex").slice(0, 16)}.json`);
  replaceFile(path, `${JSON.stringify({ extends: base, compilerOptions: COMMONJS }, null, 2)}\n`);
  return path;
}
