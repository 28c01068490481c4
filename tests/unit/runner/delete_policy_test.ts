import assert from "node:assert/strict";
import { DELETE_POLICIES, type DeletePolicy } from "../../../src/choices.ts";
import { shouldDelete } from "../../../src/runner/delete_policy.ts";

Deno.test("shouldDelete: every policy and outcome", () => {
  const cases: Array<[DeletePolicy, succeeded: boolean, expected: boolean]> = [
    ["Always", true, true],
    ["Always", false, true],
    ["Never", true, false],
    ["Never", false, false],
    ["IfFailed", true, false],
    ["IfFailed", false, true],
    ["IfSucceeded", true, true],
    ["IfSucceeded", false, false],
  ];
  for (const [policy, succeeded, expected] of cases) {
    assert.equal(
      shouldDelete(policy, succeeded),
      expected,
      `${policy} ${succeeded ? "succeeded" : "failed"}`,
    );
  }
  assert.deepEqual(
    [...new Set(cases.map(([p]) => p))].sort(),
    [...DELETE_POLICIES].sort(),
    "the table covers every policy",
  );
});
