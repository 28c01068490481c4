// A body written as plain Kubernetes YAML, whose Job reads its sibling
// ConfigMap and Secret by the body's names, runs unchanged through `kjo run`
// on the local cluster: kjo renames all three and rewrites the references.
import assert from "node:assert/strict";
import { useTestNamespace } from "../_cluster.ts";
import { eventsOf, kjo, resultOf } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-refs");
const ns = cluster.namespace;

Deno.test("kjo run: a Job reads its renamed sibling ConfigMap and Secret (volume, envFrom, valueFrom)", async () => {
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
    "120",
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

Deno.test({ name: "kjo refs: teardown", fn: async () => await cluster.dispose() });
