import { ConfigError } from "../client/errors";
import { durationProblem } from "../util/duration";
import { didYouMean } from "../util/suggest";

/** What is wrong with one option's value, as a phrase ("must be true or false"); undefined when it is sound. */
export type Rule = (value: unknown) => string | undefined;

/** An option whose value is itself a set of named options (the reporter's `slo`, `tolerances`). */
export interface Nested {
  /** The inner names and their rules. */
  nested: OptionRules;
  /** What an inner name is called in a message ("SLO bound", "tolerance"). */
  noun: string;
  /** True when at least one inner name must be given. */
  nonEmpty?: boolean;
}

/** The options of one set (the preset's, the harness's, the reporter's, a command's), each with its rule. */
export type OptionRules = Record<string, Rule | Nested>;

/** How a set's problems are told. */
export interface OptionSet {
  /** Said before the problems: `"worker-orcd-jest reporter"`, `"WorkerTestHarness.start"`; none for the preset's. */
  label?: string;
  /** Put before each name: `"testEnvironmentOptions.workerOrcd."`. */
  path?: string;
  rules: OptionRules;
  /** Options whose value is never shown (a header may hold a token). */
  secret?: readonly string[];
  /** Options whose rule's phrase already names the value (masked): told as `name: phrase`. */
  describesValue?: readonly string[];
  /** A hint added to an unknown name's message (`startMock always runs the mock`). */
  unknownHint?: (name: string) => string;
}

/** The rules every option set shares. */
export const rules = {
  /** A number of milliseconds > 0 (rounded up, under the timer limit). */
  duration: durationProblem as Rule,
  flag: ((v) => (typeof v === "boolean" ? undefined : "must be true or false")) as Rule,
  strings: ((v) =>
    Array.isArray(v) && v.every((x) => typeof x === "string")
      ? undefined
      : "must be an array of strings") as Rule,
  stringRecord: ((v) =>
    v && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string")
      ? undefined
      : "must be an object of string values") as Rule,
  text: ((v) => (typeof v === "string" && v !== "" ? undefined : "must be a non-empty string")) as Rule,
  path: ((v) => (typeof v === "string" && v !== "" ? undefined : "must be a path")) as Rule,
  /** A whole number from `min` to `max`. */
  count:
    (min: number, max = Number.MAX_SAFE_INTEGER): Rule =>
    (v) =>
      typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
        ? undefined
        : max === Number.MAX_SAFE_INTEGER
          ? `must be a whole number >= ${min}`
          : `must be a whole number from ${min} to ${max}`,
  /** A finite number from `min` (included, or above it with `above`) to `max`; `unit` names it ("of ms"). */
  number:
    (min: number, o: { max?: number; above?: boolean; unit?: string } = {}): Rule =>
    (v) => {
      const max = o.max ?? Number.POSITIVE_INFINITY;
      const ok = typeof v === "number" && Number.isFinite(v) && (o.above ? v > min : v >= min) && v <= max;
      if (ok) return undefined;
      const unit = o.unit ? ` ${o.unit}` : "";
      return max === Number.POSITIVE_INFINITY
        ? `must be a number${unit} ${o.above ? ">" : ">="} ${min}`
        : `must be a number${unit} from ${min} to ${max}`;
    },
  /** One of `values`, told as written. */
  oneOf:
    (values: readonly string[]): Rule =>
    (v) =>
      values.includes(v as string)
        ? undefined
        : `must be ${values
            .map((x) => JSON.stringify(x))
            .join(", ")
            .replace(/, ([^,]*)$/, " or $1")}`,
};

function isNested(rule: Rule | Nested): rule is Nested {
  return typeof rule === "object";
}

/**
 * Every problem of `given` against a set of options, one phrase each, in
 * the order given: a name the set does not know (with the nearest known
 * one), a value its rule refuses (the value shown, but a secret's). An
 * option whose value is `undefined` is absent, everywhere.
 */
export function optionProblems(given: unknown, set: OptionSet): string[] {
  if (given === undefined || given === null) return [];
  if (typeof given !== "object" || Array.isArray(given))
    return [`options must be an object, got ${JSON.stringify(given)}`];
  const path = set.path ?? "";
  const names = Object.keys(set.rules);
  const problems: string[] = [];
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined) continue;
    const rule = set.rules[name];
    if (!rule) {
      problems.push(
        `unknown option ${path}${name}${set.unknownHint?.(name) ?? ""}${didYouMean(name, names)}; known options: ${names.join(", ")}`,
      );
      continue;
    }
    if (isNested(rule)) {
      problems.push(...nestedProblems(value, `${path}${name}`, rule));
      continue;
    }
    const problem = rule(value);
    if (!problem) continue;
    if (set.describesValue?.includes(name)) problems.push(`${path}${name}: ${problem}`);
    else {
      const shown = set.secret?.includes(name) ? "(values not shown)" : JSON.stringify(value);
      problems.push(`${path}${name} ${problem}, got ${shown}`);
    }
  }
  return problems;
}

function nestedProblems(value: unknown, where: string, rule: Nested): string[] {
  const names = Object.keys(rule.nested);
  const known = `${names.join(", ")}`;
  if (
    !value ||
    typeof value !== "object" ||
    Array.isArray(value) ||
    (rule.nonEmpty && !Object.keys(value).length)
  )
    return [`${where} must be an object with any of ${known}, got ${JSON.stringify(value)}`];
  const problems: string[] = [];
  for (const [name, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    const check = rule.nested[name];
    if (!check) {
      problems.push(`unknown ${rule.noun} ${name}${didYouMean(name, names)} in ${where}; known: ${known}`);
      continue;
    }
    const problem = isNested(check) ? undefined : check(inner);
    if (problem) problems.push(`${where}.${name} ${problem}, got ${JSON.stringify(inner)}`);
  }
  return problems;
}

/** Every problem of a set, as one message: the label, then one problem, or each on a line of its own. */
export function problemsMessage(problems: string[], label?: string): string {
  const head = label ? `${label}: ` : "";
  if (problems.length === 1) return `${head}${problems[0]}`;
  return `${head}${problems.length} problems with the options:\n${problems.map((p) => `  - ${p}`).join("\n")}`;
}

/**
 * Checks `given` against a set of options; throws one {@link ConfigError}
 * naming every problem. Returns the options given, with the absent
 * (`undefined`) ones left out.
 */
export function checkOptions<T extends object>(given: unknown, set: OptionSet): T {
  const problems = optionProblems(given, set);
  if (problems.length > 0) throw new ConfigError(problemsMessage(problems, set.label));
  if (given === undefined || given === null) return {} as T;
  return Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined)) as T;
}
