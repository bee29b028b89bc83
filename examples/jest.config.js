/**
 * The example suite: what a user's project looks like. In a user's project the
 * whole config is `module.exports = { preset: "worker-orcd-jest" }`; here the
 * preset is this repository's own.
 */
module.exports = {
  rootDir: __dirname,
  preset: "<rootDir>/../jest-preset.js",
  moduleNameMapper: { "^worker-orcd-jest$": "<rootDir>/../src" },
  testEnvironmentOptions: {
    workerOrcd: { startupTimeoutMs: 20000, shutdownGraceMs: 2000 },
  },
  // The run report, with its files written (a user writes "worker-orcd-jest/reporter").
  reporters: [
    "default",
    [
      "<rootDir>/../reporter.js",
      { outputDir: "<rootDir>/../.worker-orcd-report", slo: { ttftMs: 2000, tpotMs: 200 } },
    ],
  ],
};
