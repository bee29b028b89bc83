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
  // The run report (a table at the end; files and the baseline gate when configured). A config's own reporters replace these.
  reporters: ["default", require.resolve(join(__dirname, "reporter.js"))],
  testTimeout: 120000,
  // ts-jest, loaded only when a .ts file is transformed (a JS-only suite never pays its start-up).
  transform: { "^.+\\.tsx?$": [dist("ts-transform.js"), { diagnostics: { warnOnly: false } }] },
  moduleFileExtensions: ["ts", "tsx", "js", "mjs", "cjs", "json"],
  // A relative import written with its .js extension, as `module: nodenext` wants (`./helper.js`), finds helper.ts.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testMatch: ["**/?(*.)+(spec|test).[jt]s?(x)"],
};
