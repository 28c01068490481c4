// mod.ts on the local cluster: run() with a callback, runEvents() as an
// async iterable, custom kinds through a function and through a rules file.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import {
  KindRegistry,
  parseCustomKindRules,
  render,
  run,
  type RunEvent,
  runEvents,
} from "../../../mod.ts";
import { kubeconfigPath, namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { createKubeClient } from "../../../src/kube/kube_client.ts";

const cluster = await useTestNamespace("kjo-lib");
const test = namespaceTests("mod.ts (integration)", cluster);
const ns = cluster.namespace;
const connection = { kubeconfig: kubeconfigPath, namespace: ns };

test("mod.ts run(): resolves to the result; events reach the callback in order, result last", async () => {
  const events: RunEvent[] = [];
  const result = await run({
    ...connection,
    source: {
      image: "busybox",
      command: ["sh", "-c", "echo a; echo '::kube_api:xcom={\"k\": [1]}'; echo b"],
    },
    onEvent: (e) => events.push(e),
  });
  assert.equal(result.exitCode, 0);
  assert.deepEqual(result.xcom, { k: [1] });
  assert.equal(events.at(-1), result);
  assert.deepEqual(events.filter((e) => e.type === "log").map((e) => e.type === "log" && e.line), [
    "a",
    "b",
  ]);
  assert.equal(result.stats?.lines, 3);
});

test("mod.ts runEvents(): an async iterable of the same events", async () => {
  const stream = runEvents({
    ...connection,
    source: { image: "busybox", kind: "Pod", command: ["sh", "-c", "echo via-pod"] },
  });
  const types: string[] = [];
  const lines: string[] = [];
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "log") lines.push(event.line);
  }
  assert.deepEqual(lines, ["via-pod"]);
  assert.equal(types.at(-1), "result");
  assert.equal((await stream.result).state, "Succeeded");
});

test("mod.ts run(): bad input resolves to exit code 2 without touching the cluster", async () => {
  const result = await run({
    kubeconfig: "/nonexistent/kubeconfig",
    source: { body: "apiVersion: v1\nkind: Pod\nmetadata: {name: 3}\n" },
  });
  assert.equal(result.exitCode, 2);
  assert.match(result.message ?? "", /document 1/);
});

test("mod.ts render(): final manifests without a cluster", async () => {
  const [job] = await render({ source: { bodyFile: "fixtures/job_hello.yaml" }, runId: "lib" });
  assert.equal(job.kind, "Job");
  assert.equal(job.metadata.labels?.["kjo/run-id"], "lib");
});

// A custom kind: a CRD whose objects the test moves through phases, as a
// controller would.
const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "widgets.kjo-test.example" },
  spec: {
    group: "kjo-test.example",
    scope: "Namespaced",
    names: { plural: "widgets", singular: "widget", kind: "Widget" },
    versions: [{
      name: "v1",
      served: true,
      storage: true,
      schema: {
        openAPIV3Schema: {
          type: "object",
          properties: {
            spec: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            status: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          },
        },
      },
    }],
  },
};

async function ensureCrd() {
  // Raw JSON: client-node's typed models drop x-kubernetes-preserve-unknown-fields.
  const client = createKubeClient(cluster.kc);
  const path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
  try {
    await client.request({ method: "POST", path, body: CRD });
  } catch (error) {
    if ((error as { status?: number }).status !== 409) throw error;
  }
  await waitFor("CRD established", 30_000, async () => {
    const crd = await client.request<
      { status?: { conditions?: { type: string; status: string }[] } }
    >({
      path: `${path}/${CRD.metadata.name}`,
    });
    return crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True");
  });
  client.close();
}

/** Moves the run's Widget to `phase` once it exists, as a controller would. */
async function driveWidget(phase: string) {
  const api = cluster.kc.makeApiClient(k8s.CustomObjectsApi);
  const name = await waitFor("widget created", 30_000, async () => {
    const list = await api.listNamespacedCustomObject({
      group: "kjo-test.example",
      version: "v1",
      namespace: ns,
      plural: "widgets",
    }) as { items: { metadata: { name: string } }[] };
    return list.items[0]?.metadata.name;
  });
  await new Promise((r) => setTimeout(r, 500));
  await api.patchNamespacedCustomObject(
    {
      group: "kjo-test.example",
      version: "v1",
      namespace: ns,
      plural: "widgets",
      name,
      body: { status: { phase } },
    },
    k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
  );
}

const widgetBody = {
  apiVersion: "kjo-test.example/v1",
  kind: "Widget",
  metadata: { name: "w" },
  spec: { size: 1 },
};

test("custom kind through a function: a Widget that reaches Done succeeds", async () => {
  await ensureCrd();
  const kinds = KindRegistry.withBuiltins().register("kjo-test.example/v1", "Widget", (w) => {
    const phase = (w.status as { phase?: string } | undefined)?.phase;
    return {
      state: phase === "Done" ? "Succeeded" : phase === "Error" ? "Failed" : "Running",
      reason: phase,
    };
  });
  const [result] = await Promise.all([
    run({ ...connection, source: { body: [widgetBody] }, kinds, deletePolicy: "Always" }),
    driveWidget("Done"),
  ]);
  assert.equal(result.state, "Succeeded", String(result.message));
});

test("custom kind through a rules file: a Widget in Error fails with exit 1", async () => {
  await ensureCrd();
  const kinds = KindRegistry.withBuiltins().registerAll(parseCustomKindRules(
    `kinds:
  - apiVersion: kjo-test.example/v1
    kind: Widget
    succeeded: [{ path: status.phase, equals: Done }]
    failed: [{ path: status.phase, in: [Error, Failed] }]
    running: [{ path: status.phase, equals: Running }]
`,
    "widget-rules.yaml",
  ));
  const [result] = await Promise.all([
    run({ ...connection, source: { body: [widgetBody] }, kinds, deletePolicy: "Always" }),
    driveWidget("Error"),
  ]);
  assert.equal(result.state, "Failed");
  assert.equal(result.exitCode, 1);
});

test("custom kind without a rule: exit 2 before anything is created", async () => {
  await ensureCrd();
  const result = await run({ ...connection, source: { body: [widgetBody] } });
  assert.equal(result.exitCode, 2);
  assert.match(result.message ?? "", /no state rule/);
});
