/**
 * The preset's `.ts` transformer: ts-jest, loaded on first use. Jest loads
 * every configured transformer when a run starts, and ts-jest (with
 * TypeScript) costs about 0.2 s per Jest process; a suite with only `.js`
 * test files never pays it. Options are handed to ts-jest as given; where
 * they name no `tsconfig` and no `useESM`, a project whose tsconfig emits ES
 * modules gets its tests compiled to CommonJS, which Jest runs (see
 * {@link commonJsTsconfig}).
 */
import type { SyncTransformer, TransformOptions } from "@jest/transform";
import { commonJsTsconfig } from "./ts-commonjs";

type Real = SyncTransformer<unknown>;

/**
 * ts-jest, an optional peer: a project with only `.js` tests installs
 * neither it nor TypeScript. Missing when a `.ts` file needs it: one line
 * with the install command.
 */
function loadTsJest(): { default: { createTransformer(config?: unknown): Real } } {
  try {
    return require("ts-jest");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "MODULE_NOT_FOUND") throw error;
    const message =
      "worker-orcd-jest: a TypeScript test file needs ts-jest and TypeScript, which a JavaScript-only project " +
      "does without: npm install --save-dev ts-jest typescript@~5.9";
    throw Object.assign(new Error(message), { stack: message });
  }
}

/** Jest's transformer factory: a thin object that creates ts-jest's transformer when a `.ts` file first needs it. */
export function createTransformer(tsJestConfig?: unknown): Real {
  let real: Real | undefined;
  type Options = TransformOptions<unknown>;
  const get = (options: Options): Real => {
    if (!real) {
      const tsJest = loadTsJest();
      const given = (tsJestConfig ?? {}) as Record<string, unknown>;
      const own = given.tsconfig !== undefined || given.useESM !== undefined;
      const tsconfig = own ? undefined : commonJsTsconfig(options.config.rootDir);
      real = tsJest.default.createTransformer(tsconfig ? { ...given, tsconfig } : tsJestConfig);
    }
    return real;
  };
  return {
    canInstrument: false,
    process: (source: string, path: string, options: Options) => get(options).process(source, path, options),
    processAsync: (source: string, path: string, options: Options) => {
      const t = get(options);
      return t.processAsync
        ? t.processAsync(source, path, options)
        : Promise.resolve(t.process(source, path, options));
    },
    getCacheKey: (source: string, path: string, options: Options) =>
      get(options).getCacheKey!(source, path, options),
    getCacheKeyAsync: (source: string, path: string, options: Options) => {
      const t = get(options);
      return t.getCacheKeyAsync
        ? t.getCacheKeyAsync(source, path, options)
        : Promise.resolve(t.getCacheKey!(source, path, options));
    },
  };
}

export default { createTransformer };
