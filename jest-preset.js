/**
 * The worker-orcd-jest preset: `module.exports = { preset: "worker-orcd-jest" }`.
 * Paths are absolute (require.resolve) so the preset works from an installed tarball.
 */
const { join } = require("node:path");

const dist = (file) => require.resolve(join(__dirname, "dist", "jest", file));

module.exports = {
  testEnvironment: dist("environment.js"),
  globalSetup: dist("global-setup.js"),
  globalTeardown: dist("global-teardown.js"),
  setupFilesAfterEnv: [dist("setup-after-env.js")],
  testTimeout: 120000,
  transform: { "^.+\\.tsx?$": [require.resolve("ts-jest"), { diagnostics: { warnOnly: false } }] },
  moduleFileExtensions: ["ts", "tsx", "js", "mjs", "cjs", "json"],
  testMatch: ["**/?(*.)+(spec|test).[jt]s?(x)"],
};
