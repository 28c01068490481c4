import assert from "node:assert/strict";
import { RESOURCES_ANNOTATION, RUN_ID_LABEL, TRACKED_LABEL } from "../../../src/kube/labels.ts";

Deno.test("labels: the keys kjo's objects carry (the Airflow package and users select by them)", () => {
  assert.equal(RUN_ID_LABEL, "kjo/run-id");
  assert.equal(TRACKED_LABEL, "kjo/tracked");
  assert.equal(RESOURCES_ANNOTATION, "kjo/resources");
});
