import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { augmentDocuments } from "../../../src/body/augment.ts";
import { JOB_NAME_LABELS, rewriteSelectors } from "../../../src/body/rewrite_selectors.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** Renames every object `<name>-x`, then rewrites the selectors for `labels`. */
function renameAndRewrite(objects: Any[], labels: Record<string, string> = {}): Any[] {
  const originals = objects.map((o) => ({
    name: o.metadata.name,
    namespace: o.metadata.namespace,
  }));
  for (const object of objects) object.metadata.name = `${object.metadata.name}-x`;
  rewriteSelectors(objects as KubeObject[], { originals, labels });
  return objects;
}

function job(name: string, podLabels?: Record<string, string>, namespace?: string): Any {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: {
      template: {
        ...(podLabels ? { metadata: { labels: podLabels } } : {}),
        spec: { containers: [{ name: "main", image: "busybox" }] },
      },
    },
  };
}

function service(selector: Record<string, string>, namespace?: string): Any {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "svc", ...(namespace ? { namespace } : {}) },
    spec: { selector: { ...selector }, ports: [{ port: 80 }] },
  };
}

Deno.test("rewriteSelectors: a Service selecting a renamed Job's pods by job-name follows the Job", () => {
  for (const key of JOB_NAME_LABELS) {
    const [, svc] = renameAndRewrite([job("web"), service({ [key]: "web", app: "web" })]);
    assert.deepEqual(svc.spec.selector, { [key]: "web-x", app: "web" }, key);
  }
});

Deno.test("rewriteSelectors: job-name of a Job outside the body or in another namespace stays", () => {
  const [, outside] = renameAndRewrite([job("web"), service({ "job-name": "other" })]);
  assert.deepEqual(outside.spec.selector, { "job-name": "other" });
  const [, elsewhere] = renameAndRewrite([
    job("web", undefined, "a"),
    service({ "job-name": "web" }, "b"),
  ]);
  assert.deepEqual(elsewhere.spec.selector, { "job-name": "web" });
  // A ConfigMap named "web" does not label any pod.
  const configMap = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web" } };
  const [, notJob] = renameAndRewrite([configMap, service({ "job-name": "web" })]);
  assert.deepEqual(notJob.spec.selector, { "job-name": "web" });
});

Deno.test("rewriteSelectors: a pod label value kjo's labels replace is replaced in selectors too", () => {
  const [, svc] = renameAndRewrite(
    [job("web", { team: "a", app: "web" }), service({ team: "a", app: "web" })],
    { team: "b", "kjo/run-id": "r1" },
  );
  assert.deepEqual(svc.spec.selector, { team: "b", app: "web" });
});

Deno.test("rewriteSelectors: a selector value no pod of the body carries stays", () => {
  // The pods never had team=c: the Service selects something else.
  const [, svc] = renameAndRewrite([job("web", { team: "a" }), service({ team: "c" })], {
    team: "b",
  });
  assert.deepEqual(svc.spec.selector, { team: "c" });
  // Pods in another namespace do not count.
  const [, other] = renameAndRewrite(
    [job("web", { team: "a" }, "n1"), service({ team: "a" }, "n2")],
    { team: "b" },
  );
  assert.deepEqual(other.spec.selector, { team: "a" });
});

Deno.test("rewriteSelectors: matchLabels of a workload, a PodDisruptionBudget and a NetworkPolicy; matchExpressions stay", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      selector: {
        matchLabels: { team: "a" },
        matchExpressions: [{ key: "team", operator: "In", values: ["a"] }],
      },
      template: {
        metadata: { labels: { team: "a" } },
        spec: { containers: [{ name: "main", image: "nginx" }] },
      },
    },
  };
  const budget = {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: "web" },
    spec: { maxUnavailable: 1, selector: { matchLabels: { team: "a" } } },
  };
  const policy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "web" },
    spec: { podSelector: { matchLabels: { team: "a" } } },
  };
  const [d, b, p] = renameAndRewrite([deployment, budget, policy], { team: "b" });
  assert.deepEqual(d.spec.selector.matchLabels, { team: "b" });
  assert.deepEqual(d.spec.selector.matchExpressions[0].values, ["a"]);
  assert.deepEqual(b.spec.selector.matchLabels, { team: "b" });
  assert.deepEqual(p.spec.podSelector.matchLabels, { team: "b" });
});

Deno.test("rewriteSelectors: a bare Pod's labels count", () => {
  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", labels: { tier: "x" } },
    spec: { containers: [{ name: "main", image: "busybox" }] },
  };
  const [, svc] = renameAndRewrite([pod, service({ tier: "x" })], { tier: "y" });
  assert.deepEqual(svc.spec.selector, { tier: "y" });
});

Deno.test("augmentDocuments: a Service of the body keeps selecting the Job's pods", () => {
  const docs: Any[] = [job("web", { team: "a" }), service({ "job-name": "web", team: "a" })];
  augmentDocuments(docs, {
    runId: "r1",
    randomPostfix: "abcd1234",
    namePrefix: "etl",
    labels: { team: "data" },
  });
  assert.equal(docs[0].metadata.name, "etl-web-abcd1234");
  assert.deepEqual(docs[0].spec.template.metadata.labels, { team: "data", "kjo/run-id": "r1" });
  assert.deepEqual(docs[1].spec.selector, { "job-name": "etl-web-abcd1234", team: "data" });
});

Deno.test("rewriteSelectors: a Job's own job-name template labels follow its new name", () => {
  const [own, other] = renameAndRewrite([
    job("web", { "job-name": "web", "batch.kubernetes.io/job-name": "web", app: "web" }),
    job("api", { "job-name": "web" }),
  ]);
  assert.deepEqual(own.spec.template.metadata.labels, {
    "job-name": "web-x",
    "batch.kubernetes.io/job-name": "web-x",
    app: "web",
  });
  // Another Job's template naming "web" is not its own name: the API server
  // would reject it either way, kjo leaves it.
  assert.deepEqual(other.spec.template.metadata.labels, { "job-name": "web" });
});
