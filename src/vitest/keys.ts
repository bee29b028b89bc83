/*
 * The names the plugin and its files agree on. Light on purpose: every test
 * file's process loads it.
 */

/** How messages name the plugin's options. */
export const OPTIONS_NAME = "workerOrcd()";

/** The key under which the plugin provides the options to global setup and to every test file. */
export const OPTIONS_KEY = "workerOrcd";

/** The root the options' relative paths are read from, provided to the test files. */
export const ROOT_KEY = "workerOrcdRoot";

/** Whether each test file runs in a process (or thread) of its own (Vitest's `isolate`), provided to the test files. */
export const ISOLATE_KEY = "workerOrcdIsolate";
