import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import {
  type BodyResource,
  mergeGrants,
  roleForBody,
  RUN_VERBS,
} from "../../../src/rbac/role_for_body.ts";
import { knownResource } from "../../../src/kube/known_resources.ts";

const job: BodyResource = {
  kind: "Job",
  name: "build",
  group: "batch",
  plural: "jobs",
  namespaced: true,
};
const configMap: BodyResource = {
  kind: "ConfigMap",
  name: "cfg",
  group: "",
  plural: "configmaps",
  namespaced: true,
};
const service: BodyResource = {
  kind: "Service",
  name: "web",
  group: "",
  plural: "services",
  namespaced: true,
};
const pod: BodyResource = { kind: "Pod", name: "p", group: "", plural: "pods", namespaced: true };
const widget: BodyResource = {
  kind: "Widget",
  name: "w",
  group: "example.com",
  plural: "widgets",
  namespaced: true,
};
const namespace: BodyResource = {
  kind: "Namespace",
  name: "n",
  group: "",
  plural: "namespaces",
  namespaced: false,
};

const ALL = ["get", "list", "watch", "create", "delete"];

const LEASES = {
  apiGroups: ["coordination.k8s.io"],
  resources: ["leases"],
  verbs: ["create", "patch", "delete"],
};

Deno.test("roleForBody: a Job gets the five verbs; pods, pods/log, events and the heartbeat leases are always there", () => {
  const roles = roleForBody({ resources: [job], name: "kjo-runner", namespace: "ci" });
  assert.deepEqual(roles, [{
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "kjo-runner", namespace: "ci" },
    rules: [
      { apiGroups: [""], resources: ["events", "pods"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
      { apiGroups: ["batch"], resources: ["jobs"], verbs: ALL },
      LEASES,
    ],
  }]);
  assert.deepEqual([...RUN_VERBS], ALL);
  // kjo patches only its own heartbeat Lease, never an object of the body.
  assert.deepEqual(
    (roles[0].rules as { verbs: string[]; resources: string[] }[])
      .filter((r) => r.verbs.includes("patch")).map((r) => r.resources),
    [["leases"]],
  );
});

Deno.test("roleForBody: resources of one group with the same verbs share a rule; groups sorted, core first", () => {
  const [role] = roleForBody({ resources: [widget, job, configMap, service, configMap] });
  assert.equal(role.metadata.name, "kjo");
  assert.equal(role.metadata.namespace, undefined);
  assert.deepEqual(role.rules, [
    { apiGroups: [""], resources: ["configmaps", "services"], verbs: ALL },
    { apiGroups: [""], resources: ["events", "pods"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ALL },
    LEASES,
    { apiGroups: ["example.com"], resources: ["widgets"], verbs: ALL },
  ]);
});

Deno.test("roleForBody: a Pod body unites the pod verbs", () => {
  const [role] = roleForBody({ resources: [pod] });
  assert.deepEqual(role.rules, [
    { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods"], verbs: ALL },
    { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] },
    LEASES,
  ]);
});

Deno.test("roleForBody: a cluster-scoped kind needs --cluster-role; a ClusterRole has no namespace", () => {
  assert.throws(
    () => roleForBody({ resources: [job, namespace], namespace: "ci" }),
    (error: unknown) =>
      error instanceof InputError && error.message ===
        "Namespace/n: Namespace is cluster-scoped and a Role cannot grant it; use --cluster-role",
  );
  const roles = roleForBody({
    resources: [job, namespace],
    clusterRole: true,
    namespace: "ci",
    name: "x",
  });
  assert.equal(roles.length, 1);
  assert.equal(roles[0].kind, "ClusterRole");
  assert.deepEqual(roles[0].metadata, { name: "x" });
  assert.deepEqual(
    (roles[0].rules as { resources: string[]; verbs: string[] }[]).find((r) =>
      r.resources.includes("namespaces")
    ),
    { apiGroups: [""], resources: ["namespaces"], verbs: ALL },
  );
});

Deno.test("roleForBody: a body spanning namespaces gives one Role per namespace, the run's first", () => {
  const roles = roleForBody({
    resources: [{ ...job, namespace: "a" }, { ...configMap, namespace: "b" }, service],
    namespace: "a",
  });
  assert.deepEqual(roles.map((r) => r.metadata.namespace), ["a", "b"]);
  assert.deepEqual(roles[1].rules, [{ apiGroups: [""], resources: ["configmaps"], verbs: ALL }]);
  const runRules = roles[0].rules as { resources: string[] }[];
  assert.deepEqual(runRules.map((r) => r.resources), [
    ["events", "pods"],
    ["pods/log"],
    [
      "services",
    ],
    ["jobs"],
    ["leases"],
  ]);
});

Deno.test("roleForBody: cleanup needs list and delete on each kind and list on the heartbeat leases", () => {
  const [role] = roleForBody({
    resources: [job, pod, configMap],
    purpose: "cleanup",
    namespace: "ci",
  });
  assert.deepEqual(role.rules, [
    { apiGroups: [""], resources: ["configmaps", "pods"], verbs: ["list", "delete"] },
    { apiGroups: ["batch"], resources: ["jobs"], verbs: ["list", "delete"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["list"] },
  ]);
});

Deno.test("mergeGrants: verbs are united per resource and ordered", () => {
  assert.deepEqual(
    mergeGrants([
      { group: "", resource: "pods", verbs: ["watch", "get"] },
      { group: "", resource: "pods", verbs: ["delete", "list"] },
      { group: "apps", resource: "deployments", verbs: ["get"] },
    ]),
    [
      { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "delete"] },
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
    ],
  );
  assert.deepEqual(mergeGrants([]), []);
});

Deno.test("knownResource: common kinds are known, custom kinds are not", () => {
  assert.deepEqual(knownResource("batch/v1", "Job"), {
    group: "batch",
    plural: "jobs",
    namespaced: true,
  });
  assert.deepEqual(knownResource("v1", "ConfigMap"), {
    group: "",
    plural: "configmaps",
    namespaced: true,
  });
  assert.deepEqual(knownResource("networking.k8s.io/v1", "Ingress"), {
    group: "networking.k8s.io",
    plural: "ingresses",
    namespaced: true,
  });
  assert.deepEqual(knownResource("v1", "Namespace"), {
    group: "",
    plural: "namespaces",
    namespaced: false,
  });
  assert.equal(knownResource("example.com/v1", "Widget"), undefined);
  assert.equal(knownResource("v1", "Job"), undefined);
});
