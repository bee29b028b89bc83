import { describe, expect, it } from "@jest/globals";
import { ConfigError, resolveOptions } from "../../src/config/options";

describe("configuration", () => {
  it("applies defaults, resolving the model under rootDir", () => {
    const o = resolveOptions(undefined, undefined, "/proj", {});
    expect(o).toMatchObject({
      model: "/proj/.test-models/qwen/qwen2.5-0.5b-instruct-q4_k_m.gguf",
      modelConfigured: false,
      mode: "auto",
      gpuDevices: [0],
      startupTimeoutMs: 60000,
      requireGpu: false,
    });
  });

  it("takes environment variables over the docblock over the config, field by field", () => {
    const o = resolveOptions(
      { model: "config.gguf", startupTimeoutMs: 1000, env: { A: "config", B: "config" } },
      { startupTimeoutMs: 2000, env: { B: "file" } },
      "/proj",
      {
        WORKER_ORCD_MODEL: "/env.gguf",
        WORKER_ORCD_GPU_DEVICE: "1,2",
        WORKER_ORCD_MODE: "mock",
        WORKER_ORCD_REQUIRE_GPU: "1",
      },
    );
    expect(o).toMatchObject({
      model: "/env.gguf",
      startupTimeoutMs: 2000,
      env: { A: "config", B: "file" },
      gpuDevices: [1, 2],
      mode: "mock",
      requireGpu: true,
    });
    expect(o.sources).toMatchObject({
      model: "WORKER_ORCD_MODEL",
      startupTimeoutMs: "@jest-environment-options workerOrcd",
    });
  });

  it.each([
    [
      { modle: "x" },
      /unknown option testEnvironmentOptions.workerOrcd.modle \(did you mean `model`\?\); known options: binary, model/,
    ],
    [
      { startupTimeoutMs: "5s" },
      /testEnvironmentOptions.workerOrcd.startupTimeoutMs must be a number of milliseconds from 1 to 2147483647, got "5s"/,
    ],
    [{ mode: "gpu" }, /workerOrcd.mode must be "auto", "mock", "real", "replay" or "llama", got "gpu"/],
    [{ gpuDevice: [-1] }, /workerOrcd.gpuDevice must be a device index/],
    [{ extraArgs: "--x" }, /workerOrcd.extraArgs must be an array of strings/],
    [{ env: { A: 1 } }, /workerOrcd.env must be an object of string values/],
    ["mock", /testEnvironmentOptions.workerOrcd must be an object/],
  ])("rejects %j with a clear error", (raw, message) => {
    expect(() => resolveOptions(raw, undefined, "/p", {})).toThrow(ConfigError);
    expect(() => resolveOptions(raw, undefined, "/p", {})).toThrow(message);
  });

  it("rejects bad environment variables, naming them", () => {
    expect(() => resolveOptions({}, {}, "/p", { WORKER_ORCD_MODE: "fast" })).toThrow(
      /WORKER_ORCD_MODE must be "auto", "mock", "real", "replay" or "llama", got "fast"/,
    );
    expect(() => resolveOptions({}, {}, "/p", { WORKER_ORCD_GPU_DEVICE: "a" })).toThrow(
      /WORKER_ORCD_GPU_DEVICE must be a device index/,
    );
  });

  it.each([
    ["alice:S3CRETPASS@127.0.0.1:45200", /"\*\*\*@127\.0\.0\.1:45200" is not an http\(s\) URL/],
    [
      "http://bob:pa@ss@127.0.0.1:99999",
      /"http:\/\/\*\*\*@127\.0\.0\.1:99999" does not parse as a URL \(a port above 65535/,
    ],
    ["http://127.0.0.1:1,http://[::1", /entry 2 "http:\/\/\[::1" does not parse as a URL/],
    [
      "http://carol:50%zz@127.0.0.1:1",
      /"http:\/\/\*\*\*@127\.0\.0\.1:1" has a user or password with a bad % escape/,
    ],
  ])(
    "a worker URL %j that cannot be used is a configuration error naming it, its credentials masked",
    (url, message) => {
      for (const attempt of [
        () => resolveOptions({}, {}, "/p", { WORKER_ORCD_URL: url }),
        () => resolveOptions({ url: url.split(",") }, {}, "/p", {}),
      ]) {
        expect(attempt).toThrow(ConfigError);
        let text = "";
        try {
          attempt();
        } catch (error) {
          text = (error as Error).message;
        }
        expect(text).toMatch(message);
        expect(text).not.toMatch(/S3CRETPASS|pa@ss|50%zz|bob|alice|carol/);
      }
    },
  );
});
