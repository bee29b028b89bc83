/**
 * The run report as a Jest reporter:
 *   reporters: ["default", ["worker-orcd-jest/reporter", { outputDir: "reports", baseline: "reports/baseline.json" }]]
 * The preset adds it by default (a config's own `reporters` replaces the preset's).
 */
module.exports = require("./dist/jest/reporter.js").default;
