import { describe, expect, it } from "@jest/globals";
import { matchers } from "../../src/matchers";
import { end, error, failureOf, ok, started, token } from "./events";

expect.extend(matchers);

describe("toHaveTokenCount", () => {
  it("checks an exact count and a range", () => {
    expect(ok(3)).toHaveTokenCount(3);
    expect(ok(3)).toHaveTokenCount({ atLeast: 1, atMost: 3 });
    expect(ok(3)).not.toHaveTokenCount({ atLeast: 4 });
    expect(ok(3)).not.toHaveTokenCount({ atMost: 2 });
  });
  it("fails with the count", () => {
    expect(failureOf(() => expect(ok(3)).toHaveTokenCount(5))).toMatchSnapshot();
    expect(failureOf(() => expect(ok(3)).not.toHaveTokenCount(3))).toMatchSnapshot();
  });
});

describe("toHaveStopReason", () => {
  it("compares case-insensitively", () => {
    expect([started(), end(0, "EOS")]).toHaveStopReason("eos");
    expect(ok()).not.toHaveStopReason("eos");
  });
  it("fails naming the reason found, or the missing end", () => {
    expect(failureOf(() => expect(ok()).toHaveStopReason("eos"))).toMatchSnapshot();
    expect(failureOf(() => expect([started(), error()]).toHaveStopReason("eos"))).toMatchSnapshot();
  });
});

describe("toHaveMatchedStopSequence", () => {
  const stopped = [started(), token(0, "a."), end(1, "stop_sequence", { stop_sequence_matched: "." })];
  it("passes on the matched sequence", () => {
    expect(stopped).toHaveMatchedStopSequence(".");
    expect(stopped).not.toHaveMatchedStopSequence("\n");
  });
  it("fails on another sequence or another reason", () => {
    expect(failureOf(() => expect(stopped).toHaveMatchedStopSequence("\n"))).toMatchSnapshot();
    expect(failureOf(() => expect(ok()).toHaveMatchedStopSequence("."))).toMatchSnapshot();
  });
});

describe("toFailWithCode", () => {
  it("reads the terminal error code, a lone error included", () => {
    expect([started(), error("VRAM_OOM")]).toFailWithCode("VRAM_OOM");
    expect([error("INFERENCE_FAILED")]).toFailWithCode("INFERENCE_FAILED");
    expect([started(), error("VRAM_OOM")]).not.toFailWithCode("CUDA_ERROR");
  });
  it("accepts CANCELLED as error and as end cancelled (either case)", () => {
    expect([started(), error("CANCELLED")]).toFailWithCode("CANCELLED");
    expect([started(), end(0, "cancelled")]).toFailWithCode("CANCELLED");
    expect([started(), end(0, "CANCELLED")]).toFailWithCode("CANCELLED");
    expect([started(), end(0, "cancelled")]).not.toFailWithCode("INTERNAL");
  });
  it("accepts the legacy TIMEOUT for INFERENCE_TIMEOUT", () => {
    expect([started(), error("TIMEOUT")]).toFailWithCode("INFERENCE_TIMEOUT");
    expect([started(), error("INFERENCE_TIMEOUT")]).toFailWithCode("TIMEOUT");
  });
  it("fails on success, and with .not", () => {
    expect(failureOf(() => expect(ok()).toFailWithCode("CANCELLED"))).toMatchSnapshot();
    expect(
      failureOf(() => expect([started(), error("VRAM_OOM")]).not.toFailWithCode("VRAM_OOM")),
    ).toMatchSnapshot();
  });
});

describe("toHaveText", () => {
  it("compares the concatenated token text with a string or a RegExp", () => {
    expect(ok(3)).toHaveText("Hel loHel");
    expect(ok(3)).toHaveText(/^Hel/);
    expect(ok(3)).not.toHaveText("nope");
  });
  it("fails showing the text", () => {
    expect(failureOf(() => expect(ok(2)).toHaveText("Hello!"))).toMatchSnapshot();
    expect(failureOf(() => expect(ok(2)).not.toHaveText(/Hel/))).toMatchSnapshot();
  });
});

describe("toBeHealthy", () => {
  it("accepts the minimal and full forms", () => {
    expect({ status: "healthy" }).toBeHealthy();
    expect({ status: "healthy", vram_bytes: 5 }).toBeHealthy();
    expect({ status: "healthy", resident: true, model: "m" }).toBeHealthy();
  });
  it("rejects unhealthy, not resident and non-objects", () => {
    expect({ status: "unhealthy" }).not.toBeHealthy();
    expect(failureOf(() => expect({ status: "healthy", resident: false }).toBeHealthy())).toMatchSnapshot();
    expect(failureOf(() => expect("ok").toBeHealthy())).toMatchSnapshot();
    expect(failureOf(() => expect({ status: "healthy" }).not.toBeHealthy())).toMatchSnapshot();
  });
});

describe("toBeRejectedFor", () => {
  const raw = (status: number, json: unknown, text = JSON.stringify(json)) => ({
    status,
    headers: {},
    text,
    json,
  });
  it("reads both 400 body forms, raw or parsed", () => {
    const spec = {
      errors: [
        { field: "prompt", constraint: "length", message: "x" },
        { field: "max_tokens", constraint: "range", message: "y" },
      ],
    };
    expect(raw(400, spec)).toBeRejectedFor(["prompt", "max_tokens"]);
    expect(spec).toBeRejectedFor("prompt");
    expect({ field: "temperature", message: "bad" }).toBeRejectedFor("temperature");
    expect(raw(400, spec)).not.toBeRejectedFor("seed");
  });
  it("reads the framework's 422 for a missing max_tokens", () => {
    expect(
      raw(
        422,
        undefined,
        "Failed to deserialize the JSON body into the target type: missing field `max_tokens`",
      ),
    ).toBeRejectedFor("max_tokens");
  });
  it("fails on a 200 and on other fields", () => {
    expect(
      failureOf(() => expect(raw(200, undefined, "data: {}")).toBeRejectedFor("prompt")),
    ).toMatchSnapshot();
    expect(
      failureOf(() => expect({ field: "top_p", message: "x" }).toBeRejectedFor(["prompt"])),
    ).toMatchSnapshot();
  });
});
