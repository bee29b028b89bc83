/**
 * The package's own suite checks itself: every run gets a fresh TMPDIR and a
 * mark in the environment of everything it starts; global teardown fails the
 * run if a temp file or folder, or a marked process, is left behind.
 */
const { randomUUID } = require("node:crypto");
const { mkdtempSync } = require("node:fs");
const { tmpdir } = require("node:os");
const { join } = require("node:path");

module.exports = async function suiteSetup() {
  // Each project of the suite's config runs this: the first one sets up for the whole run.
  if (process.env.WOJEST_SUITE_MARK) return;
  const dir = mkdtempSync(join(tmpdir(), "wojest-suite-"));
  process.env.WOJEST_SUITE_OUTER_TMPDIR = process.env.TMPDIR ?? "";
  process.env.TMPDIR = dir;
  process.env.WOJEST_SUITE_MARK = randomUUID();
  process.env.WOJEST_SUITE_STARTED = String(Date.now());
};
