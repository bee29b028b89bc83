/** The Vitest plugin's global setup: the run's start, and (returned) its end. */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { setup } = require("./dist/vitest/global-setup.js");

export default (project) => setup(project);
