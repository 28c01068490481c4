import assert from "node:assert/strict";
import { newRunId } from "../../../src/runner/run_id.ts";

/** Kubernetes label value: at most 63 characters, alphanumeric at both ends. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** DNS-1123 label, for use as a name part. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

Deno.test("newRunId: 12 lowercase letters and digits, valid as label value and name part", () => {
  for (let i = 0; i < 200; i++) {
    const id = newRunId();
    assert.match(id, /^[a-z0-9]{12}$/);
    assert.match(id, LABEL_VALUE);
    assert.match(id, DNS_LABEL);
    assert.ok(id.length <= 63);
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
