/**
 * The conformance suite as a Jest project:
 *   module.exports = { projects: ["<rootDir>", require.resolve("worker-orcd-jest/conformance")] };
 * Configure it with WORKER_ORCD_BIN, WORKER_ORCD_MODEL, WORKER_ORCD_GPU_DEVICE,
 * WORKER_ORCD_CONFORMANCE_ARGS and WORKER_ORCD_CONFORMANCE_ALLOW (see the README).
 */
const { join } = require("node:path");

const dir = join(__dirname, "dist", "conformance", "jest");

module.exports = {
  displayName: "worker-orcd conformance",
  // Where Jest was started (the user's project): a failure's stack frames are shown relative to it, so they
  // name files of the installed package (its src/, which the source maps point into) that exist from there.
  rootDir: process.cwd(),
  roots: [dir],
  testMatch: ["**/conformance.test.js"],
  testPathIgnorePatterns: [],
  testEnvironment: "node",
  // Jest leaves files under node_modules out of its file map, and this project lives there once installed.
  haste: { retainAllFiles: true },
  testTimeout: 600000,
};
