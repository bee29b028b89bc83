import { describe, expect, it } from "@jest/globals";
import { ConfigError } from "../../src/client/errors";
import { checkOptions, optionProblems, rules } from "../../src/config/check";
import { resolveOptions } from "../../src/config/options";

const SET = {
  label: "thing",
  rules: {
    name: rules.text,
    count: rules.count(1, 10),
    token: rules.text,
    bounds: {
      noun: "bound",
      nonEmpty: true,
      nested: { lowMs: rules.number(0, { above: true, unit: "of ms" }) },
    },
  },
  secret: ["token"],
};

describe("the one option checker", () => {
  it("tells every problem at once: unknown names with the nearest known one, bad values, nested sets", () => {
    const problems = optionProblems({ nmae: "x", count: 0, token: "", bounds: { low: 1 } }, SET);
    expect(problems).toEqual([
      "unknown option nmae (did you mean `name`?); known options: name, count, token, bounds",
      "count must be a whole number from 1 to 10, got 0",
      "token must be a non-empty string, got (values not shown)",
      "unknown bound low (did you mean `lowMs`?) in bounds; known: lowMs",
    ]);
    expect(() => checkOptions({ nmae: "x", count: 0 }, SET)).toThrow(ConfigError);
    expect(() => checkOptions({ nmae: "x", count: 0 }, SET)).toThrow(
      /^thing: 2 problems with the options:\n {2}- unknown option nmae .*\n {2}- count must be/,
    );
    expect(() => checkOptions({ count: 0 }, SET)).toThrow(
      /^thing: count must be a whole number from 1 to 10, got 0$/,
    );
  });

  it("takes undefined as absent, everywhere", () => {
    expect(checkOptions({ name: "a", count: undefined, other: undefined }, SET)).toEqual({ name: "a" });
    expect(() => resolveOptions({ mockArgs: undefined, extraArgs: ["--x"] }, {}, "/p", {})).not.toThrow();
    expect(resolveOptions({ mockArgs: undefined }, {}, "/p", {}).mockArgs).toEqual([]);
  });

  it("says what shape a set must have", () => {
    expect(optionProblems([1], SET)).toEqual(["options must be an object, got [1]"]);
    expect(optionProblems({ bounds: {} }, SET)).toEqual([
      "bounds must be an object with any of lowMs, got {}",
    ]);
  });
});
