import assert from "node:assert/strict";
import { detectLogLevel } from "../../../src/logs/log_level.ts";

Deno.test("detectLogLevel: level words at the start, in brackets, after a timestamp, as level=", () => {
  const cases: [string, string | undefined][] = [
    ["ERROR could not connect", "error"],
    ["error: could not connect", "error"],
    ["[WARN] slow", "warning"],
    ["2026-11-29 10:00:00,123 INFO airflow.task: started", "info"],
    ["2026-11-29T10:00:00Z level=debug msg=x", "debug"],
    ["FATAL out of memory", "critical"],
    ["processed 10 rows", undefined],
    ["the errors were counted", undefined],
    ["INFORMATION is not a level", undefined],
    ["a very long prefix that goes on for more than forty characters and then ERROR", undefined],
  ];
  for (const [line, level] of cases) assert.equal(detectLogLevel(line), level, line);
});
