import assert from "node:assert/strict";
import type { ResourceRef } from "../../../src/body/mark_tracked.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { KindRegistry } from "../../../src/kinds/kind_registry.ts";
import { findTrackedResources, loadRunResources } from "../../../src/runner/find_run.ts";
import { FakeCluster } from "./_fake_cluster.ts";

Deno.test("loadRunResources: a listed object is the run's only with its run label and in its namespace (or owned by the tracked uid)", async () => {
  const cluster = new FakeCluster();
  try {
    const label = { "kjo/run-id": "r1" };
    const cm = (name: string, namespace: string, extra: Partial<KubeObject["metadata"]> = {}) =>
      cluster.create("configmaps", {
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name, namespace, ...extra },
      });
    const refs: ResourceRef[] = [
      { apiVersion: "batch/v1", kind: "Job", name: "job" },
      { apiVersion: "v1", kind: "ConfigMap", name: "own" },
      { apiVersion: "v1", kind: "ConfigMap", name: "unlabelled" },
      { apiVersion: "v1", kind: "ConfigMap", name: "elsewhere", namespace: "other" },
      { apiVersion: "v1", kind: "ConfigMap", name: "owned-elsewhere", namespace: "other" },
      { apiVersion: "v1", kind: "ConfigMap", name: "other-run" },
      { apiVersion: "v1", kind: "ConfigMap", name: "gone" },
      { apiVersion: "example.com/v1", kind: "Nothing", name: "x" },
    ];
    const tracked = cluster.create("jobs", {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: "job",
        namespace: "ns",
        labels: { ...label, "kjo/tracked": "true" },
        annotations: { "kjo/resources": JSON.stringify(refs) },
      },
    });
    const ownerReferences = [{
      apiVersion: "batch/v1",
      kind: "Job",
      name: "job",
      uid: tracked.metadata.uid!,
    }];
    cm("own", "ns", { labels: label });
    cm("unlabelled", "ns");
    cm("elsewhere", "other", { labels: label });
    cm("owned-elsewhere", "other", { labels: label, ownerReferences });
    cm("other-run", "ns", { labels: { "kjo/run-id": "r2" } });
    const ignored: string[] = [];
    const resources = await loadRunResources({
      client: cluster.stub.client(),
      namespace: "ns",
      tracked,
      emit: (e) => ignored.push((e as { level: string; message: string }).message),
    });
    assert.deepEqual(resources.map((o) => `${o.kind}/${o.metadata.name}`), [
      "Job/job",
      "ConfigMap/own",
      "ConfigMap/owned-elsewhere",
    ]);
    const because = (name: string, why: string) =>
      `ignoring ${name} listed in Job/job's kjo/resources annotation: ${why}; ` +
      "it will not be followed or deleted";
    assert.deepEqual(ignored, [
      because("ConfigMap/unlabelled", "it does not carry the label kjo/run-id=r1"),
      because(
        "ConfigMap/elsewhere",
        "it is not in the run's namespace ns nor owned by the tracked resource",
      ),
      because("ConfigMap/other-run", "it does not carry the label kjo/run-id=r1"),
      because("Nothing/x", "the cluster has no such kind"),
    ]);
  } finally {
    await cluster.close();
  }
});

Deno.test("findTrackedResources: only tracked resources matching the selector, across kinds, newest first", async () => {
  const cluster = new FakeCluster();
  try {
    const make = (
      plural: string,
      kind: string,
      name: string,
      labels: Record<string, string>,
      created: string,
    ) => {
      const object = cluster.create(plural, {
        apiVersion: kind === "Pod" ? "v1" : "batch/v1",
        kind,
        metadata: { name, namespace: "ns", labels },
      });
      object.metadata.creationTimestamp = created;
    };
    const tracked = { "kjo/tracked": "true" };
    make("pods", "Pod", "older", { "kjo/run-id": "r1", ...tracked }, "2026-01-01T00:00:00Z");
    make("jobs", "Job", "newer", { "kjo/run-id": "r1", ...tracked }, "2026-01-02T00:00:00Z");
    make("jobs", "Job", "untracked", { "kjo/run-id": "r1" }, "2026-01-03T00:00:00Z");
    make("jobs", "Job", "other-run", { "kjo/run-id": "r2", ...tracked }, "2026-01-03T00:00:00Z");
    const found = await findTrackedResources({
      client: cluster.stub.client(),
      namespace: "ns",
      selector: "kjo/run-id=r1",
      kinds: KindRegistry.withBuiltins(),
    });
    assert.deepEqual(found.map((o) => `${o.apiVersion} ${o.kind}/${o.metadata.name}`), [
      "batch/v1 Job/newer",
      "v1 Pod/older",
    ]);
  } finally {
    await cluster.close();
  }
});
