import assert from "node:assert/strict";
import { isNewer } from "../../../src/follower/_resource_version.ts";

Deno.test("isNewer: integers compare as numbers, other strings by inequality", () => {
  assert.equal(isNewer("120", "99"), true);
  assert.equal(isNewer("99", "120"), false);
  assert.equal(isNewer("120", "120"), false);
  assert.equal(isNewer("18446744073709551617", "18446744073709551616"), true);
  assert.equal(isNewer("7", undefined), true);
  assert.equal(isNewer(undefined, "7"), true);
  assert.equal(isNewer("b", "a"), true);
  assert.equal(isNewer("a", "a"), false);
});
