/**
 * The package's own tests run hermetically: variables that steer the preset
 * or the mock (WORKER_ORCD_*) from the developer's or a GPU runner's shell are
 * not inherited by the workers and Jest runs the tests start.
 */
for (const name of Object.keys(process.env)) {
  if (name.startsWith("WORKER_ORCD_")) delete process.env[name];
}

/** Where scripts/install-llama.js (run by `npm test`) put node-llama-cpp for the llama engine tests. */
process.env.WORKER_ORCD_LLAMA_PATH = require("node:path").join(__dirname, "..", ".llama");
