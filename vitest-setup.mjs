/** The Vitest plugin's setup file: gives each test file its worker (the Vitest instance the tests use is passed in). */
import { createRequire } from "node:module";
import * as vitest from "vitest";

const require = createRequire(import.meta.url);
await require("./dist/vitest/file.js").install(vitest);
