// A body written as plain Kubernetes YAML, whose Job reads its sibling
// ConfigMap and Secret by the body's names, runs unchanged through `kjo run`
// on the local cluster: kjo renames all three and rewrites the references.
import assert from "node:assert/strict";
import { namespaceTests, useTestNamespace } from "../_cluster.ts";
import { eventsOf, kjo, resultOf } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-refs");
const test = namespaceTests("kjo refs (integration)", cluster);
const ns = cluster.namespace;

test("kjo run: a Job reads its renamed sibling ConfigMap and Secret (volume, envFrom, valueFrom)", async () => {
  const { code, events, stderr } = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "-f",
    "fixtures/job_config_secret.yaml",
    "--name-prefix",
    "it",
    "--execution-timeout",
    "60",
  ]);
  const result = resultOf(events);
  assert.equal(code, 0, `${result.message}\n${stderr}`);
  assert.equal(result.state, "Succeeded");
  const logs = eventsOf(events, "log");
  assert.deepEqual(logs.map((e) => e.line), [
    "config file: hello from a ConfigMap",
    "config env: hello from a ConfigMap, MODE=full",
    "secret file: user kjo",
    "secret env: user kjo, token of 16 characters",
  ]);
  // The pod belongs to the renamed Job (prefix and random postfix).
  assert.match(logs[0].pod, /^it-report-[a-z0-9]{8}-[a-z0-9]{5}$/);
  // Deleted after success, the ConfigMap and Secret with the Job.
  const [jobs, configMaps, secrets] = await Promise.all([
    cluster.batch.listNamespacedJob({ namespace: ns }),
    cluster.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "kjo/run-id" }),
    cluster.core.listNamespacedSecret({ namespace: ns, labelSelector: "kjo/run-id" }),
  ]);
  assert.deepEqual([...jobs.items, ...configMaps.items, ...secrets.items], []);
});

test("kjo run: a Service selecting a renamed Job's pods by job-name selects them", async () => {
  const body = [
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "web" },
      spec: {
        template: {
          // The API server rejects a Job whose job-name label is not its name.
          metadata: { labels: { "job-name": "web", team: "a" } },
          spec: { containers: [{ name: "main", image: "busybox", command: ["true"] }] },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web" },
      spec: { selector: { "job-name": "web", team: "a" }, ports: [{ port: 8080 }] },
    },
  ];
  const runId = `refs-${crypto.randomUUID().slice(0, 8)}`;
  const { code, events, stderr } = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--body",
    JSON.stringify(body),
    "--label",
    "team=b",
    "--run-id",
    runId,
    "--delete-policy",
    "Never",
    "--execution-timeout",
    "60",
  ]);
  assert.equal(code, 0, `${resultOf(events).message}\n${stderr}`);
  const selector = `kjo/run-id=${runId}`;
  const [services, pods] = await Promise.all([
    cluster.core.listNamespacedService({ namespace: ns, labelSelector: selector }),
    cluster.core.listNamespacedPod({ namespace: ns, labelSelector: selector }),
  ]);
  assert.equal(services.items.length, 1);
  assert.equal(pods.items.length, 1);
  const wanted = services.items[0].spec?.selector ?? {};
  const labels = pods.items[0].metadata?.labels ?? {};
  assert.match(wanted["job-name"], /^web-[a-z0-9]{8}$/);
  assert.equal(wanted.team, "b");
  for (const [key, value] of Object.entries(wanted)) assert.equal(labels[key], value, key);
});
