/** Jest configuration of this package's own test suite. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json", diagnostics: false }] },
  setupFiles: ["<rootDir>/test/setup-env.ts"],
  // The suite checks itself: nothing may be left in its TMPDIR, and no process it started may outlive it.
  globalSetup: "<rootDir>/test/suite/global-setup.js",
  globalTeardown: "<rootDir>/test/suite/global-teardown.js",
  testTimeout: 30000,
  slowTestThreshold: 20,
};
