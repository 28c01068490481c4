import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { cleanupSelector, selectOldRuns } from "../../../src/runner/cleanup_runs.ts";

const at = (iso: string, runId: string | undefined, name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, creationTimestamp: iso, labels: runId ? { "kjo/run-id": runId } : {} },
});

Deno.test("selectOldRuns: a run is old when all of its objects are older than the cutoff", () => {
  const cutoffMs = Date.parse("2025-01-01T12:00:00Z");
  const runs = selectOldRuns([
    at("2025-01-01T10:00:00Z", "old", "a"),
    at("2025-01-01T11:00:00Z", "old", "b"),
    at("2025-01-01T10:00:00Z", "retried", "c"),
    at("2025-01-01T12:30:00Z", "retried", "d"), // a recent pod keeps the run
    at("2025-01-01T13:00:00Z", "new", "e"),
    at("2025-01-01T09:00:00Z", undefined, "unlabelled"),
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "no-time", labels: { "kjo/run-id": "nt" } },
    },
  ], { cutoffMs });
  assert.deepEqual([...runs.keys()], ["old"]);
  assert.deepEqual(runs.get("old")!.map((o) => o.metadata.name), ["a", "b"]);
});

Deno.test("cleanupSelector: a user's selector is always ANDed with the existence of kjo/run-id", () => {
  assert.equal(cleanupSelector({ selector: "team=data" }), "kjo/run-id,team=data");
  assert.equal(cleanupSelector({ selector: "!foo" }), "kjo/run-id,!foo");
  assert.equal(cleanupSelector({ selector: " x in (a,b) " }), "kjo/run-id,x in (a,b)");
  assert.equal(cleanupSelector({}), "kjo/run-id");
  assert.equal(cleanupSelector({ runId: "abc" }), "kjo/run-id=abc");
});
