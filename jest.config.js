/**
 * Jest configuration of this package's own test suite: two projects, the
 * package's tests and the real-build tests (test/real-build, against
 * ../shared/real-worker/worker-orcd; they skip with a printed reason where
 * that binary is absent).
 */
const shared = {
  testEnvironment: "node",
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json", diagnostics: false }] },
  setupFiles: ["<rootDir>/test/setup-env.ts"],
  // The suite checks itself: nothing may be left in its TMPDIR, and no process it started may outlive it.
  globalSetup: "<rootDir>/test/suite/global-setup.js",
  globalTeardown: "<rootDir>/test/suite/global-teardown.js",
};

module.exports = {
  // Global options: Jest reads them here, not from a project.
  testTimeout: 30000,
  // Two test files at a time, whatever the core count (Jest's default on 2 cores is one): most of a file's time
  // is spent waiting on the processes it runs, so the suite takes about half as long. The tests wait on events
  // with generous bounds, so a busier machine makes them slower, not wrong.
  maxWorkers: 2,
  slowTestThreshold: 20,
  projects: [
    {
      ...shared,
      displayName: "package",
      rootDir: __dirname,
      roots: ["<rootDir>/test"],
      testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/real-build/"],
    },
    { ...shared, displayName: "real-build", rootDir: __dirname, roots: ["<rootDir>/test/real-build"] },
  ],
};
