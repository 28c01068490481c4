// kjo validate, cleanup, rbac and render against the local cluster, and run
// features that need a cluster to show: templates, secret files, envs.
import assert from "node:assert/strict";
import { parse } from "yaml";
import { kubeconfigPath, namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { eventsOf, kjo, resultOf } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-cmds");
const test = namespaceTests("kjo commands (integration)", cluster);
const ns = cluster.namespace;

test("kjo validate: a good multi-resource body passes the server's dry run and creates nothing", async () => {
  const { code, stdout, stderr } = await kjo([
    "validate",
    "-n",
    ns,
    "-f",
    "fixtures/multi_resource.yaml",
  ]);
  assert.equal(code, 0, stderr);
  assert.match(stdout, /ok Job\//);
  assert.match(stdout, /ok ConfigMap\//);
  assert.equal((await cluster.batch.listNamespacedJob({ namespace: ns })).items.length, 0);
});

test("kjo validate: a field the server rejects exits 2 naming document and field", async () => {
  const body = JSON.stringify({
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "x" },
    spec: {
      backoffLimit: -1,
      template: { spec: { containers: [{ name: "m", image: "busybox", command: ["true"] }] } },
    },
  });
  const { code, stderr } = await kjo(["validate", "-n", ns, "--body", body]);
  assert.equal(code, 2);
  assert.match(stderr, /document 1 \(Job\/x-[a-z0-9]+\).*spec\.backoffLimit/);
});

test("kjo run: --set values, --env and a secret file reach the container", async () => {
  await cluster.core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: "creds" }, stringData: { token: "t0k3n" } },
  });
  const { code, events, stderr } = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "-f",
    "fixtures/job_template.yaml",
    "--set",
    "greeting=bonjour",
    "--set",
    "name=greeter",
    "-e",
    "EXTRA=yes",
    "--secret-file",
    "creds:token=/var/run/kjo-test/token",
  ], { env: {} });
  assert.equal(code, 0, stderr);
  const lines = eventsOf(events, "log").map((e) => e.line);
  assert.ok(lines.some((l) => l.startsWith("bonjour (run ")), lines.join("\n"));
  assert.match(resultOf(events).resources[0], /^Job\/greeter-/);

  const check = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--image",
    "busybox",
    "-e",
    "EXTRA=yes",
    "--secret-file",
    "creds:token=/var/run/kjo-test/token",
    "--",
    "sh",
    "-c",
    "echo $EXTRA; cat /var/run/kjo-test/token; echo; echo $KUBERNETES_JOB_OPERATOR_RESOURCES",
  ]);
  assert.equal(check.code, 0, check.stderr);
  const out = eventsOf(check.events, "log").map((e) => e.line);
  assert.equal(out[0], "yes");
  assert.equal(out[1], "t0k3n");
  assert.equal(`Job/${out[2]}`, resultOf(check.events).resources[0]);
});

test("kjo cleanup --run-id deletes what a run kept; --dry-run only lists", async () => {
  const kept = await kjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "-f",
    "fixtures/multi_resource.yaml",
    "--delete-policy",
    "Never",
  ]);
  assert.equal(kept.code, 0, kept.stderr);
  const runId = resultOf(kept.events).runId!;
  const dry = await kjo(["cleanup", "-n", ns, "--run-id", runId, "--dry-run"]);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout + dry.stderr, /ConfigMap\//);
  assert.equal(
    (await cluster.core.listNamespacedConfigMap({
      namespace: ns,
      labelSelector: `kjo/run-id=${runId}`,
    })).items.length,
    1,
  );
  const real = await kjo(["cleanup", "-n", ns, "--run-id", runId]);
  assert.equal(real.code, 0, real.stderr);
  await waitFor("all gone", 60_000, async () => {
    const [jobs, cms, svcs, pods] = await Promise.all([
      cluster.batch.listNamespacedJob({ namespace: ns, labelSelector: `kjo/run-id=${runId}` }),
      cluster.core.listNamespacedConfigMap({ namespace: ns, labelSelector: `kjo/run-id=${runId}` }),
      cluster.core.listNamespacedService({ namespace: ns, labelSelector: `kjo/run-id=${runId}` }),
      cluster.core.listNamespacedPod({ namespace: ns, labelSelector: `kjo/run-id=${runId}` }),
    ]);
    return jobs.items.length + cms.items.length + svcs.items.length + pods.items.length === 0;
  });
});

test("kjo rbac: a service account bound to the printed Role can run the body", async () => {
  const { code, stdout, stderr } = await kjo([
    "rbac",
    "-n",
    ns,
    "-f",
    "fixtures/multi_resource.yaml",
    "--name",
    "kjo-runner",
  ]);
  assert.equal(code, 0, stderr);
  const role = parse(stdout);
  assert.equal(role.kind, "Role");
  await cluster.core.createNamespacedServiceAccount({
    namespace: ns,
    body: { metadata: { name: "runner" } },
  });
  const rbac = await import("@kubernetes/client-node");
  const api = cluster.kc.makeApiClient(rbac.RbacAuthorizationV1Api);
  await api.createNamespacedRole({
    namespace: ns,
    body: { ...role, metadata: { ...role.metadata, namespace: ns } },
  });
  await api.createNamespacedRoleBinding({
    namespace: ns,
    body: {
      metadata: { name: "kjo-runner" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "kjo-runner" },
      subjects: [{ kind: "ServiceAccount", name: "runner", namespace: ns }],
    },
  });
  const token = await cluster.core.createNamespacedServiceAccountToken({
    name: "runner",
    namespace: ns,
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });
  const admin = parse(await Deno.readTextFile(kubeconfigPath));
  const limited = {
    ...admin,
    users: [{ name: "runner", user: { token: token.status?.token } }],
    contexts: [{
      name: "runner",
      context: { cluster: admin.clusters[0].name, user: "runner", namespace: ns },
    }],
    "current-context": "runner",
  };
  const file = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(file, JSON.stringify(limited));
  const ran = await kjo([
    "run",
    "--kubeconfig",
    file,
    "-o",
    "jsonl",
    "-f",
    "fixtures/multi_resource.yaml",
    "--delete-policy",
    "Always",
  ]);
  assert.equal(ran.code, 0, ran.stdout.slice(-2000));
  assert.ok(eventsOf(ran.events, "log").some((e) => e.line === "message: hello from a ConfigMap"));
  // Without the binding the same run is forbidden: exit 3 and a clear message.
  await api.deleteNamespacedRoleBinding({ name: "kjo-runner", namespace: ns });
  const denied = await kjo([
    "run",
    "--kubeconfig",
    file,
    "-o",
    "jsonl",
    "-f",
    "fixtures/multi_resource.yaml",
  ]);
  assert.equal(denied.code, 3);
  assert.match(resultOf(denied.events).message ?? "", /forbidden/i);
});
