import assert from "node:assert/strict";
import { isDnsLabel, isLabelValue } from "../../../src/kube/name_rules.ts";
import { newRunId } from "../../../src/runner/run_id.ts";

Deno.test("newRunId: 12 lowercase letters and digits, valid as label value and name part", () => {
  for (let i = 0; i < 200; i++) {
    const id = newRunId();
    assert.match(id, /^[a-z0-9]{12}$/);
    assert.ok(isLabelValue(id), id);
    assert.ok(isDnsLabel(id), id);
  }
});

Deno.test("newRunId: different on each call", () => {
  const ids = new Set(Array.from({ length: 1000 }, () => newRunId()));
  assert.equal(ids.size, 1000);
});

Deno.test("newRunId: uses the whole alphabet (letters and digits)", () => {
  const seen = new Set(Array.from({ length: 500 }, () => newRunId()).join(""));
  assert.equal(seen.size, 36);
});
