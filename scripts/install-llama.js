#!/usr/bin/env node
/**
 * Installs node-llama-cpp (pinned) and only this platform's CPU prebuilt into
 * .llama/, outside the package's lock file, for the package's own llama
 * engine tests. It is not in package.json: npm leaves other platforms'
 * optional prebuilts out of a lock file written on one platform, and `npm ci`
 * then fails on a fresh clone (npm/cli#8320); a plain install also pulls every
 * GPU prebuilt (about 725 MB against about 85 MB here).
 *
 * Never fails the run: where it cannot install, it writes the reason to
 * .llama/UNAVAILABLE and the engine tests skip, printing it.
 */
const { execFileSync } = require("node:child_process");
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require("node:fs");
const { join } = require("node:path");

const VERSION = "3.22.1";
const dir = join(__dirname, "..", ".llama");
const installed = join(dir, "node_modules", "node-llama-cpp", "package.json");
const unavailable = join(dir, "UNAVAILABLE");

/** The CPU prebuilt of this platform, by node-llama-cpp's package names. */
const PREBUILT = {
  "linux-x64": "linux-x64",
  "linux-arm64": "linux-arm64",
  "darwin-arm64": "mac-arm64-metal",
  "darwin-x64": "mac-x64",
  "win32-x64": "win-x64",
}[`${process.platform}-${process.arch}`];

function version() {
  try {
    return JSON.parse(readFileSync(installed, "utf8")).version;
  } catch {
    return undefined;
  }
}

/** A GPU runner (nvidia-smi lists a GPU) also gets the CUDA prebuilt, for the GPU-tagged engine test. */
function hasNvidiaGpu() {
  try {
    return /GPU \d+:/.test(execFileSync("nvidia-smi", ["-L"], { encoding: "utf8", timeout: 10_000 }));
  } catch {
    return false;
  }
}
const cuda = PREBUILT === "linux-x64" && hasNvidiaGpu();
const cudaInstalled = () => existsSync(join(dir, "node_modules", "@node-llama-cpp", "linux-x64-cuda", "package.json"));

if (version() === VERSION && (!cuda || cudaInstalled())) process.exit(0);
mkdirSync(dir, { recursive: true });
rmSync(unavailable, { force: true });
if (!PREBUILT) {
  writeFileSync(unavailable, `node-llama-cpp has no prebuilt binary for ${process.platform}-${process.arch}\n`);
  process.exit(0);
}
writeFileSync(join(dir, "package.json"), '{ "private": true, "description": "node-llama-cpp for the llama engine tests" }\n');
const started = Date.now();
process.stdout.write(
  `installing node-llama-cpp ${VERSION} (${PREBUILT}${cuda ? " and CUDA" : ""} prebuilt) into .llama/ for the llama engine tests...\n`,
);
try {
  execFileSync(
    process.platform === "win32" ? "npm.cmd" : "npm",
    [
      "install",
      "--prefix",
      dir,
      "--no-save",
      "--no-package-lock",
      "--omit=optional",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      `node-llama-cpp@${VERSION}`,
      `@node-llama-cpp/${PREBUILT}@${VERSION}`,
      ...(cuda ? [`@node-llama-cpp/linux-x64-cuda@${VERSION}`, `@node-llama-cpp/linux-x64-cuda-ext@${VERSION}`] : []),
    ],
    { stdio: ["ignore", "ignore", "pipe"], timeout: 300_000 },
  );
  if (version() !== VERSION) throw new Error(`npm finished but ${installed} is not version ${VERSION}`);
  process.stdout.write(`node-llama-cpp ${VERSION} installed in ${Math.round((Date.now() - started) / 1000)} s\n`);
} catch (error) {
  const stderr = error.stderr ? String(error.stderr).trim().split("\n").slice(-3).join(" | ") : "";
  const why = `npm could not install node-llama-cpp ${VERSION}: ${error.message.split("\n")[0]}${stderr ? ` (${stderr})` : ""}`;
  writeFileSync(unavailable, `${why}\n`);
  process.stdout.write(`${why}\nthe llama engine tests will skip and say why\n`);
}
if (!existsSync(installed) && !existsSync(unavailable)) writeFileSync(unavailable, "node-llama-cpp is not installed\n");
