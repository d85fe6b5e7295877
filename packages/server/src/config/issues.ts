/**
 * Turns zod issues into one precise line per problem, `endpoints[0].executionTimeoutMs: must be ≥ 5000`, so a
 * config file or a request body can be fixed from the message alone.
 */
import type { z } from "zod";

type Issue = z.core.$ZodIssue;

// Callers parse with `{ reportInput: true }`: a missing key is told apart from a wrong type by `issue.input`.

export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

function describeExpected(expected: string): string {
  if (expected === "array" || expected === "object" || expected === "int" || expected === "integer") {
    return expected === "int" ? "an integer" : `an ${expected}`;
  }
  return `a ${expected}`;
}

export function issueMessage(issue: Issue): string {
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "is required";
      return `must be ${describeExpected(issue.expected)}`;
    case "too_small":
      if (issue.origin === "string") return `must be at least ${issue.minimum} characters`;
      if (issue.origin === "array") return `must have at least ${issue.minimum} items`;
      return `must be ${issue.inclusive === false ? ">" : "≥"} ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${issue.maximum} characters`;
      if (issue.origin === "array") return `must have at most ${issue.maximum} items`;
      return `must be ${issue.inclusive === false ? "<" : "≤"} ${issue.maximum}`;
    case "unrecognized_keys":
      return `unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value":
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    default:
      return issue.message;
  }
}

/** One line per issue: `<path>: <message>` (no path prefix for issues on the root value). */
export function formatIssues(issues: readonly Issue[]): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path);
    return path === "" ? issueMessage(issue) : `${path}: ${issueMessage(issue)}`;
  });
}
