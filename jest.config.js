/** Jest configuration of this package's own test suite. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json", diagnostics: false }] },
  setupFiles: ["<rootDir>/test/setup-env.ts"],
  testTimeout: 30000,
  slowTestThreshold: 20,
};
