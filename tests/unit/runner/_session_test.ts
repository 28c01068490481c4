import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { KindRegistry } from "../../../src/kinds/kind_registry.ts";
import type { RunEvent } from "../../../src/output/run_event.ts";
import { findRun, withResult } from "../../../src/runner/_session.ts";
import { FakeCluster, seedRun } from "./_fake_cluster.ts";

const findR1 = (cluster: FakeCluster) =>
  findRun({
    client: cluster.stub.client(),
    namespace: "ns",
    runId: "r1",
    kinds: KindRegistry.withBuiltins(),
    emit: () => {},
    rulesHint: "--rules",
  });

Deno.test("findRun: a run without a tracked resource is an InputError naming the run, the namespace, the kinds and the hint", async () => {
  const cluster = new FakeCluster();
  try {
    cluster.create("jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "untracked", namespace: "ns", labels: { "kjo/run-id": "r1" } },
    });
    await assert.rejects(
      findR1(cluster),
      (error: unknown) =>
        error instanceof InputError &&
        /^no run r1 in namespace ns \(looked for .*Job.* labelled kjo\/run-id=r1; custom kinds need --rules\)$/
          .test(error.message),
    );
  } finally {
    await cluster.close();
  }
});

Deno.test("findRun: the tracked resource comes first, then what its annotation lists", async () => {
  const cluster = new FakeCluster();
  try {
    seedRun(cluster);
    const found = await findR1(cluster);
    assert.deepEqual(found.map((o) => `${o.kind}/${o.metadata.name}`), [
      "Job/work",
      "ConfigMap/cfg",
    ]);
  } finally {
    await cluster.close();
  }
});

Deno.test("withResult: an error thrown by the steps becomes the result, emitted last, and the client is closed", async () => {
  const events: RunEvent[] = [];
  let closed = 0;
  const result = await withResult({ onEvent: (e) => events.push(e) }, "r1", (context) => {
    context.setClient({ close: () => closed++ } as never);
    context.emit({ type: "info", level: "info", message: "step" });
    return Promise.reject(new InputError("bad body"));
  });
  assert.equal(result.state, "Error");
  assert.equal(result.exitCode, 2);
  assert.equal(result.message, "bad body");
  assert.equal(result.runId, "r1");
  assert.deepEqual(events.map((e) => e.type), ["info", "result"]);
  assert.equal(events[1], result);
  assert.equal(closed, 1);
});
