import assert from "node:assert/strict";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { augmentDocuments } from "../../../src/body/augment.ts";
import { podSpecPath } from "../../../src/body/pod_spec_path.ts";
import { rewriteReferences } from "../../../src/body/rewrite_references.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

/** Renames every object `<name>-x` (and sets `namespace` when given), then rewrites. */
function renameAndRewrite(objects: Any[], namespace?: string): Any[] {
  const originals = objects.map((o) => ({
    name: o.metadata.name,
    namespace: o.metadata.namespace,
  }));
  for (const object of objects) {
    object.metadata.name = `${object.metadata.name}-x`;
    if (namespace !== undefined) object.metadata.namespace = namespace;
  }
  rewriteReferences(objects as KubeObject[], { originals });
  return objects;
}

function resource(kind: string, name: string, namespace?: string): Any {
  const apiVersion = kind === "Role" || kind === "ClusterRole"
    ? "rbac.authorization.k8s.io/v1"
    : "v1";
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } };
}

/** A resource of `kind` whose pod spec is `podSpec`, at the kind's pod spec path. */
function withPodSpec(kind: string, podSpec: Any, namespace?: string): Any {
  const apiVersion = kind === "Pod" ? "v1" : kind === "Deployment" ? "apps/v1" : "batch/v1";
  const object: Any = { apiVersion, kind, metadata: { name: "holder" } };
  if (namespace) object.metadata.namespace = namespace;
  const path = podSpecPath(object)!;
  let node = object;
  for (const key of path.slice(0, -1)) node = node[key] ??= {};
  node[path.at(-1)!] = podSpec;
  return object;
}

function podSpecOf(object: Any): Any {
  return podSpecPath(object)!.reduce((node: Any, key) => node[key], object);
}

interface FieldCase {
  field: string;
  kind: string;
  podSpec: (name: string) => Any;
  read: (podSpec: Any) => unknown;
}

const container = (extra: Any) => ({ name: "c", image: "busybox", ...extra });

/** One case per pod spec field that names another resource. */
const POD_SPEC_FIELDS: FieldCase[] = [
  {
    field: "volumes[].configMap.name",
    kind: "ConfigMap",
    podSpec: (name) => ({
      containers: [container({})],
      volumes: [{ name: "v", configMap: { name } }],
    }),
    read: (spec) => spec.volumes[0].configMap.name,
  },
  {
    field: "volumes[].secret.secretName",
    kind: "Secret",
    podSpec: (secretName) => ({
      containers: [container({})],
      volumes: [{ name: "v", secret: { secretName } }],
    }),
    read: (spec) => spec.volumes[0].secret.secretName,
  },
  {
    field: "volumes[].projected.sources[].configMap.name",
    kind: "ConfigMap",
    podSpec: (name) => ({
      containers: [container({})],
      volumes: [{
        name: "v",
        projected: { sources: [{ serviceAccountToken: { path: "t" } }, { configMap: { name } }] },
      }],
    }),
    read: (spec) => spec.volumes[0].projected.sources[1].configMap.name,
  },
  {
    field: "volumes[].projected.sources[].secret.name",
    kind: "Secret",
    podSpec: (name) => ({
      containers: [container({})],
      volumes: [{ name: "v", projected: { sources: [{ secret: { name } }] } }],
    }),
    read: (spec) => spec.volumes[0].projected.sources[0].secret.name,
  },
  {
    field: "volumes[].persistentVolumeClaim.claimName",
    kind: "PersistentVolumeClaim",
    podSpec: (claimName) => ({
      containers: [container({})],
      volumes: [{ name: "v", persistentVolumeClaim: { claimName } }],
    }),
    read: (spec) => spec.volumes[0].persistentVolumeClaim.claimName,
  },
  {
    field: "volumes[].csi.nodePublishSecretRef.name",
    kind: "Secret",
    podSpec: (name) => ({
      containers: [container({})],
      volumes: [{ name: "v", csi: { driver: "d", nodePublishSecretRef: { name } } }],
    }),
    read: (spec) => spec.volumes[0].csi.nodePublishSecretRef.name,
  },
  {
    field: "volumes[].rbd.secretRef.name",
    kind: "Secret",
    podSpec: (name) => ({
      containers: [container({})],
      volumes: [{ name: "v", rbd: { image: "i", monitors: ["m"], secretRef: { name } } }],
    }),
    read: (spec) => spec.volumes[0].rbd.secretRef.name,
  },
  {
    field: "imagePullSecrets[].name",
    kind: "Secret",
    podSpec: (name) => ({
      containers: [container({})],
      imagePullSecrets: [{ name: "ext" }, { name }],
    }),
    read: (spec) => spec.imagePullSecrets[1].name,
  },
  {
    field: "serviceAccountName",
    kind: "ServiceAccount",
    podSpec: (serviceAccountName) => ({ containers: [container({})], serviceAccountName }),
    read: (spec) => spec.serviceAccountName,
  },
  {
    field: "serviceAccount (deprecated)",
    kind: "ServiceAccount",
    podSpec: (serviceAccount) => ({ containers: [container({})], serviceAccount }),
    read: (spec) => spec.serviceAccount,
  },
  ...["containers", "initContainers", "ephemeralContainers"].flatMap((list): FieldCase[] => {
    const spec = (extra: Any) => ({
      containers: [container({ name: "main" })],
      [list]: [container({ name: "other" }), container(extra)],
    });
    return [
      {
        field: `${list}[].env[].valueFrom.configMapKeyRef.name`,
        kind: "ConfigMap",
        podSpec: (name) =>
          spec({
            env: [{ name: "A", value: "1" }, {
              name: "B",
              valueFrom: { configMapKeyRef: { name, key: "k" } },
            }],
          }),
        read: (s) => s[list][1].env[1].valueFrom.configMapKeyRef.name,
      },
      {
        field: `${list}[].env[].valueFrom.secretKeyRef.name`,
        kind: "Secret",
        podSpec: (name) =>
          spec({ env: [{ name: "B", valueFrom: { secretKeyRef: { name, key: "k" } } }] }),
        read: (s) => s[list][1].env[0].valueFrom.secretKeyRef.name,
      },
      {
        field: `${list}[].envFrom[].configMapRef.name`,
        kind: "ConfigMap",
        podSpec: (name) => spec({ envFrom: [{ configMapRef: { name } }] }),
        read: (s) => s[list][1].envFrom[0].configMapRef.name,
      },
      {
        field: `${list}[].envFrom[].secretRef.name`,
        kind: "Secret",
        podSpec: (name) => spec({ envFrom: [{ prefix: "P_", secretRef: { name } }] }),
        read: (s) => s[list][1].envFrom[0].secretRef.name,
      },
    ];
  }),
];

const HOLDERS = ["Pod", "Job", "CronJob", "Deployment"];

/** A kind that is not `kind`, for the kind mismatch cases. */
function otherKind(kind: string): string {
  return kind === "ConfigMap" ? "Secret" : "ConfigMap";
}

Deno.test("rewriteReferences: each pod spec field follows a renamed sibling, in every pod holder", () => {
  for (const { field, kind, podSpec, read } of POD_SPEC_FIELDS) {
    for (const holder of HOLDERS) {
      const [object] = renameAndRewrite([
        withPodSpec(holder, podSpec("dep")),
        resource(kind, "dep"),
      ]);
      assert.equal(read(podSpecOf(object)), "dep-x", `${holder} ${field}`);
    }
  }
});

Deno.test("rewriteReferences: a reference to an object outside the body stays as it is", () => {
  for (const { field, kind, podSpec, read } of POD_SPEC_FIELDS) {
    const [object] = renameAndRewrite([
      withPodSpec("Job", podSpec("outside")),
      resource(kind, "dep"),
    ]);
    assert.equal(read(podSpecOf(object)), "outside", field);
  }
});

Deno.test("rewriteReferences: a sibling of another kind with the referenced name is no target", () => {
  for (const { field, kind, podSpec, read } of POD_SPEC_FIELDS) {
    const [object] = renameAndRewrite([
      withPodSpec("Job", podSpec("dep")),
      resource(otherKind(kind), "dep"),
    ]);
    assert.equal(read(podSpecOf(object)), "dep", field);
  }
});

Deno.test("rewriteReferences: a sibling in another namespace is no target", () => {
  for (const { field, kind, podSpec, read } of POD_SPEC_FIELDS) {
    const [object] = renameAndRewrite([
      withPodSpec("Job", podSpec("dep"), "team-a"),
      resource(kind, "dep", "team-b"),
    ]);
    assert.equal(read(podSpecOf(object)), "dep", field);
    const [same] = renameAndRewrite([
      withPodSpec("Job", podSpec("dep"), "team-a"),
      resource(kind, "dep", "team-a"),
    ]);
    assert.equal(read(podSpecOf(same)), "dep-x", field);
  }
});

Deno.test("rewriteReferences: a custom kind named like a core kind is no target", () => {
  const custom = { apiVersion: "example.com/v1", kind: "Secret", metadata: { name: "dep" } };
  const [job] = renameAndRewrite([
    withPodSpec("Job", { containers: [container({ envFrom: [{ secretRef: { name: "dep" } }] })] }),
    custom,
  ]);
  assert.equal(podSpecOf(job).containers[0].envFrom[0].secretRef.name, "dep");
});

Deno.test("rewriteReferences: a name already final (it.resource_name) is not renamed again", () => {
  // ConfigMap "a" becomes "a-x"; ConfigMap "a-x" becomes "a-x-x". A reference
  // written as "a-x" (the final name of "a") must stay "a-x".
  const [job] = renameAndRewrite([
    withPodSpec("Job", {
      containers: [container({})],
      volumes: [{ name: "v", configMap: { name: "a-x" } }, { name: "w", configMap: { name: "a" } }],
    }),
    resource("ConfigMap", "a"),
    resource("ConfigMap", "a-x"),
  ]);
  assert.deepEqual(podSpecOf(job).volumes.map((v: Any) => v.configMap.name), ["a-x", "a-x"]);
});

Deno.test("rewriteReferences: fields of ServiceAccount, StatefulSet and token Secret", () => {
  const serviceAccount = {
    ...resource("ServiceAccount", "robot"),
    secrets: [{ name: "token" }, { name: "outside" }],
    imagePullSecrets: [{ name: "pull" }],
  };
  const statefulSet = {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: "db" },
    spec: {
      serviceName: "db",
      template: { spec: { containers: [container({})], serviceAccountName: "robot" } },
    },
  };
  const token = {
    ...resource("Secret", "token"),
    type: "kubernetes.io/service-account-token",
    metadata: { name: "token", annotations: { "kubernetes.io/service-account.name": "robot" } },
  };
  const [sa, sts, secret] = renameAndRewrite([
    serviceAccount,
    statefulSet,
    token,
    resource("Secret", "pull"),
    { ...resource("Service", "db"), spec: { clusterIP: "None" } },
  ]);
  assert.deepEqual(sa.secrets, [{ name: "token-x" }, { name: "outside" }]);
  assert.deepEqual(sa.imagePullSecrets, [{ name: "pull-x" }]);
  assert.equal(sts.spec.serviceName, "db-x");
  assert.equal(sts.spec.template.spec.serviceAccountName, "robot-x");
  assert.equal(secret.metadata.annotations["kubernetes.io/service-account.name"], "robot-x");
});

Deno.test("rewriteReferences: RoleBinding roleRef and ServiceAccount subjects", () => {
  const binding = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "bind", namespace: "jobs" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
    subjects: [
      { kind: "ServiceAccount", name: "robot" },
      { kind: "ServiceAccount", name: "robot", namespace: "jobs" },
      { kind: "ServiceAccount", name: "robot", namespace: "elsewhere" },
      { kind: "User", name: "robot", apiGroup: "rbac.authorization.k8s.io" },
    ],
  };
  const [rb] = renameAndRewrite([
    binding,
    resource("Role", "reader", "jobs"),
    resource("ServiceAccount", "robot", "jobs"),
  ]);
  assert.equal(rb.roleRef.name, "reader-x");
  assert.deepEqual(rb.subjects, [
    { kind: "ServiceAccount", name: "robot-x" },
    { kind: "ServiceAccount", name: "robot-x", namespace: "jobs" },
    { kind: "ServiceAccount", name: "robot", namespace: "elsewhere" },
    { kind: "User", name: "robot", apiGroup: "rbac.authorization.k8s.io" },
  ]);
});

Deno.test("rewriteReferences: a roleRef to a Role only from a RoleBinding, to a ClusterRole from both", () => {
  const binding = (kind: string, roleKind: string, namespace?: string) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind,
    metadata: { name: `b-${kind}-${roleKind}`, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: roleKind, name: "role" },
  });
  const [a, b, c, d] = renameAndRewrite([
    binding("RoleBinding", "Role", "jobs"),
    binding("RoleBinding", "ClusterRole", "jobs"),
    binding("ClusterRoleBinding", "ClusterRole"),
    binding("ClusterRoleBinding", "Role"),
    resource("ClusterRole", "role"),
    resource("Role", "role", "jobs"),
  ]);
  assert.deepEqual([a, b, c, d].map((o) => o.roleRef.name), ["role-x", "role-x", "role-x", "role"]);
});

Deno.test("rewriteReferences: a subject naming the body's namespace follows the ServiceAccount to --namespace", () => {
  const docs: Any[] = [
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "bind" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "view" },
      subjects: [{ kind: "ServiceAccount", name: "robot", namespace: "dev" }],
    },
    resource("ServiceAccount", "robot", "dev"),
  ];
  augmentDocuments(docs, { runId: "r1", randomPostfix: "abcd1234", namespace: "prod" });
  assert.deepEqual(docs[0].subjects, [
    { kind: "ServiceAccount", name: "robot-abcd1234", namespace: "prod" },
  ]);
  assert.equal(docs[0].roleRef.name, "view"); // not in the body
});

Deno.test("rewriteReferences: malformed fields are left for validation, nothing throws", () => {
  const bad = [
    withPodSpec("Job", {
      containers: [container({ env: "x", envFrom: [null, 3, { secretRef: "s" }] })],
      volumes: { configMap: { name: "dep" } },
      imagePullSecrets: [{ name: 7 }],
    }),
    { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa" }, secrets: "dep" },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "b" },
      roleRef: "dep",
      subjects: [null, "x", { kind: "ServiceAccount" }],
    },
    resource("ConfigMap", "dep"),
    resource("Secret", "s"),
  ];
  const before = structuredClone(bad);
  renameAndRewrite(bad);
  before.forEach((object: Any) => object.metadata.name = `${object.metadata.name}-x`);
  assert.deepEqual(bad, before);
});

Deno.test("augmentDocuments: references follow prefix, postfix and random postfix; kjo's own options do not", () => {
  const docs: Any[] = [
    withPodSpec("Job", {
      containers: [container({ envFrom: [{ configMapRef: { name: "settings" } }] })],
      volumes: [{ name: "v", secret: { secretName: "creds" } }],
    }),
    resource("ConfigMap", "settings"),
    resource("Secret", "creds"),
  ];
  augmentDocuments(docs, {
    runId: "r1",
    randomPostfix: "abcd1234",
    namePrefix: "etl",
    namePostfix: "daily",
    imagePullSecrets: ["creds"],
    defaultNamespace: "jobs",
  });
  const spec = podSpecOf(docs[0]);
  assert.equal(docs[1].metadata.name, "etl-settings-daily-abcd1234");
  assert.equal(spec.containers[0].envFrom[0].configMapRef.name, "etl-settings-daily-abcd1234");
  assert.equal(spec.volumes[0].secret.secretName, "etl-creds-daily-abcd1234");
  // --image-pull-secret names a Secret of the cluster, not of the body.
  assert.deepEqual(spec.imagePullSecrets, [{ name: "creds" }]);
});
