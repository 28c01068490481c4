import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { json, startStubApi, status } from "../kube/_stub_api.ts";
import { fixture, kjo, stubKubeConfigFile } from "./_cli.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const ALL = ["get", "list", "watch", "create", "delete"];

Deno.test("rbac: the Role for a multi-resource body, flow-style lists, no cluster needed", async () => {
  const { code, stdout, stderr } = await kjo(
    "rbac",
    "-f",
    fixture("multi_resource.yaml"),
    "-n",
    "jobs",
    "--name",
    "kjo-runner",
  );
  assert.equal(code, 0, stderr);
  assert.equal(
    stdout,
    `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: kjo-runner
  namespace: jobs
rules:
  - apiGroups: [""]
    resources: [configmaps, services]
    verbs: [get, list, watch, create, delete]
  - apiGroups: [""]
    resources: [events, pods]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [pods/log]
    verbs: [get]
  - apiGroups: [batch]
    resources: [jobs]
    verbs: [get, list, watch, create, delete]
  - apiGroups: [coordination.k8s.io]
    resources: [leases]
    verbs: [create, patch, delete]
`,
  );
});

Deno.test("rbac: --cluster-role, -o json, an --image body", async () => {
  const { code, stdout } = await kjo(
    "rbac",
    "--image",
    "busybox",
    "--kind",
    "Pod",
    "--cluster-role",
    "-o",
    "json",
  );
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout), {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "kjo" },
    rules: [
      { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["pods"], verbs: ALL },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        verbs: ["create", "patch", "delete"],
      },
    ],
  });
});

Deno.test("rbac: a body in two namespaces gives two Roles; -o json makes a List", async () => {
  const body = JSON.stringify([
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "j", namespace: "a" },
      spec: {
        template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "x" }] } },
      },
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "b" } },
  ]);
  const yaml = await kjo("rbac", "--body", body);
  assert.equal(yaml.code, 0, yaml.stderr);
  const docs = parseAllDocuments(yaml.stdout).map((d) => (d as Any).toJS());
  assert.deepEqual(docs.map((d) => [d.kind, d.metadata.namespace]), [["Role", "a"], ["Role", "b"]]);
  const list = JSON.parse((await kjo("rbac", "--body", body, "-o", "json")).stdout);
  assert.equal(list.kind, "List");
  assert.equal(list.items.length, 2);
});

Deno.test("rbac: cluster-scoped kinds need --cluster-role; unknown kinds need a cluster (exit 2)", async () => {
  const ns = await kjo(
    "rbac",
    "--body",
    '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"n"}}',
  );
  assert.equal(ns.code, 2);
  assert.equal(
    ns.stderr,
    "kjo: Namespace/n: Namespace is cluster-scoped and a Role cannot grant it; use --cluster-role\n",
  );
  const widget = await kjo(
    "rbac",
    "--body",
    '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}}',
  );
  assert.equal(widget.code, 2);
  assert.equal(
    widget.stderr,
    "kjo: document 1 (Widget/w): kind: kjo does not know the resource of example.com/v1/Widget; " +
      "give --kubeconfig (or --context) so it can ask the cluster\n",
  );
  const none = await kjo("rbac");
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^kjo: no body/);
  const badName = await kjo("rbac", "--image", "x", "--name", "Bad_Name");
  assert.equal(badName.code, 2);
});

Deno.test("rbac: custom kinds are resolved by discovery when a kube config is given", async () => {
  const stub = startStubApi((req) =>
    req.path === "/apis/example.com/v1"
      ? json({
        resources: [{ name: "widgets", kind: "Widget", namespaced: true }, {
          name: "widgets/status",
          kind: "Widget",
          namespaced: true,
        }],
      })
      : status(404, "NotFound", "nope")
  );
  const kubeconfig = await stubKubeConfigFile(stub.port);
  try {
    const body = '{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w"}}';
    const { code, stdout, stderr } = await kjo(
      "rbac",
      "--body",
      body,
      "--kubeconfig",
      kubeconfig,
      "-o",
      "json",
    );
    assert.equal(code, 0, stderr);
    const role = JSON.parse(stdout);
    assert.deepEqual(role.rules.at(-1), {
      apiGroups: ["example.com"],
      resources: ["widgets"],
      verbs: ALL,
    });
    assert.equal(role.metadata.namespace, undefined);
    assert.deepEqual(stub.requests.map((r) => r.path), ["/apis/example.com/v1"]);

    const missing = await kjo(
      "rbac",
      "--body",
      '{"apiVersion":"other.io/v1","kind":"Thing","metadata":{"name":"t"}}',
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /the cluster has no resource for other\.io\/v1\/Thing/);
  } finally {
    await stub.close();
    await Deno.remove(kubeconfig);
  }
});

Deno.test("rbac --for cleanup: list and delete on the cleanup kinds, body optional", async () => {
  const { code, stdout } = await kjo("rbac", "--for", "cleanup", "-n", "jobs", "-o", "json");
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(stdout).rules, [
    {
      apiGroups: [""],
      resources: ["configmaps", "pods", "secrets", "services"],
      verbs: ["list", "delete"],
    },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "delete"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["list"] },
  ]);
  assert.equal(JSON.parse(stdout).metadata.namespace, "jobs");
  const withBody = await kjo(
    "rbac",
    "--for",
    "cleanup",
    "--body",
    '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"m","image":"x"}]}}}}',
    "-o",
    "json",
  );
  assert.equal(withBody.code, 0, withBody.stderr);
  assert.deepEqual(JSON.parse(withBody.stdout).rules[1], {
    apiGroups: ["apps"],
    resources: ["deployments"],
    verbs: ["list", "delete"],
  });
});
