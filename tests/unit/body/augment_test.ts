import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import {
  applyKindDefaults,
  augmentDocuments,
  type AugmentOptions,
} from "../../../src/body/augment.ts";
import { applyLabels, applyNames, applyNamespace } from "../../../src/body/augment_metadata.ts";
import { RUN_ID_LABEL } from "../../../src/kube/labels.ts";
import { augmentMainPod, mainContainer, RESOURCES_ENV } from "../../../src/body/augment_pod.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function job(name = "build"): Any {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name },
    spec: {
      template: {
        spec: {
          initContainers: [{ name: "init", image: "busybox", command: ["true"] }],
          containers: [
            {
              name: "main",
              image: "busybox",
              command: ["sh", "-c", "echo hi"],
              env: [{ name: "A", value: "body" }, { name: "B", value: "body" }],
            },
            { name: "side", image: "busybox" },
          ],
        },
      },
    },
  };
}

function pod(): Any {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", annotations: { "kubernetes_job_operator.main_container": "main" } },
    spec: { containers: [{ name: "side", image: "s" }, { name: "main", image: "m" }] },
  };
}

function configMap(metadata: Any = { name: "cfg" }): Any {
  return { apiVersion: "v1", kind: "ConfigMap", metadata, data: { a: "1" } };
}

const options: AugmentOptions = { runId: "run-1", randomPostfix: "abcd1234" };

Deno.test("applyNames: prefix-name-postfix-random, generateName dropped, kind as fallback", () => {
  const docs = [
    job("Build_Step"),
    configMap({ generateName: "settings-" }),
    configMap({}),
  ] as KubeObject[];
  applyNames(docs, { prefix: "My.Task", postfix: "v2", random: "abcd1234" });
  assert.deepEqual(docs.map((d) => d.metadata.name), [
    "my-task-build-step-v2-abcd1234",
    "my-task-settings-v2-abcd1234",
    "my-task-configmap-v2-abcd1234",
  ]);
  assert.equal(docs[1].metadata.generateName, undefined);
  assert.ok(!("generateName" in docs[1].metadata));
});

Deno.test("applyNames: long names are cut to 63 for a Job, keeping the random part", () => {
  const docs = [job("x".repeat(80)), configMap({ name: "x".repeat(80) })] as KubeObject[];
  applyNames(docs, { prefix: "task", random: "abcd1234" });
  assert.equal(docs[0].metadata.name!.length, 63);
  assert.ok(docs[0].metadata.name!.startsWith("task-xxx"));
  assert.ok(docs[0].metadata.name!.endsWith("-abcd1234"));
  assert.equal(docs[1].metadata.name, `task-${"x".repeat(80)}-abcd1234`);
});

Deno.test("applyNamespace: explicit replaces, default fills, cluster-scoped kinds skipped", () => {
  const make = () =>
    [
      configMap({ name: "a", namespace: "mine" }),
      configMap({ name: "b" }),
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "r" } },
    ] as KubeObject[];
  const explicit = make();
  applyNamespace(explicit, { namespace: "ns1", defaultNamespace: "dflt" });
  assert.deepEqual(explicit.map((d) => d.metadata.namespace), ["ns1", "ns1", undefined]);
  const fallback = make();
  applyNamespace(fallback, { defaultNamespace: "dflt" });
  assert.deepEqual(fallback.map((d) => d.metadata.namespace), ["mine", "dflt", undefined]);
  const none = make();
  applyNamespace(none, {});
  assert.deepEqual(none.map((d) => d.metadata.namespace), ["mine", undefined, undefined]);
});

Deno.test("applyLabels: every resource and every pod template, given labels win", () => {
  const cron: Any = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "c" },
    spec: {
      jobTemplate: {
        spec: { template: { metadata: { labels: { app: "x" } }, spec: { containers: [] } } },
      },
    },
  };
  const deployment: Any = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d", labels: { team: "body", keep: "yes" } },
    spec: { template: { spec: { containers: [] } } },
  };
  const docs = [job(), cron, deployment, pod(), configMap()] as KubeObject[];
  applyLabels(docs, { team: "kjo", [RUN_ID_LABEL]: "r1" });
  for (const doc of docs) assert.equal(doc.metadata.labels![RUN_ID_LABEL], "r1");
  const d = docs as Any[];
  assert.deepEqual(d[0].spec.template.metadata.labels, { team: "kjo", "kjo/run-id": "r1" });
  assert.deepEqual(d[1].spec.jobTemplate.metadata.labels, { team: "kjo", "kjo/run-id": "r1" });
  assert.deepEqual(d[1].spec.jobTemplate.spec.template.metadata.labels, {
    app: "x",
    team: "kjo",
    "kjo/run-id": "r1",
  });
  assert.deepEqual(d[2].metadata.labels, { team: "kjo", keep: "yes", "kjo/run-id": "r1" });
  assert.deepEqual(d[2].spec.template.metadata.labels, { team: "kjo", "kjo/run-id": "r1" });
  assert.equal(d[3].spec.template, undefined);
  assert.equal(d[4].data.metadata, undefined);
});

Deno.test("augmentMainPod: resources env first on every container, option envs win in place", () => {
  const body = job();
  augmentMainPod(body, { resourceNames: ["job-a", "cfg-a"], envs: { B: "option", C: "new" } });
  const spec = body.spec.template.spec;
  assert.deepEqual(spec.containers[0].env, [
    { name: RESOURCES_ENV, value: "job-a cfg-a" },
    { name: "A", value: "body" },
    { name: "B", value: "option" },
    { name: "C", value: "new" },
  ]);
  assert.deepEqual(spec.containers[1].env, [{ name: RESOURCES_ENV, value: "job-a cfg-a" }, {
    name: "B",
    value: "option",
  }, { name: "C", value: "new" }]);
  assert.deepEqual(spec.initContainers[0].env, spec.containers[1].env);
  assert.notEqual(spec.initContainers[0].env[0], spec.containers[1].env[0]);
});

Deno.test("augmentMainPod: a body's own resources variable is replaced", () => {
  const body = job();
  body.spec.template.spec.containers[0].env.push({ name: RESOURCES_ENV, value: "stale" });
  augmentMainPod(body, { resourceNames: ["x"] });
  const env = body.spec.template.spec.containers[0].env;
  assert.deepEqual(env.filter((e: Any) => e.name === RESOURCES_ENV), [{
    name: RESOURCES_ENV,
    value: "x",
  }]);
  assert.equal(env[0].name, RESOURCES_ENV);
});

Deno.test("augmentMainPod: image, command, args and pull policy on the main container only", () => {
  const body = job();
  augmentMainPod(body, {
    resourceNames: ["x"],
    image: "alpine:3",
    command: ["bash"],
    args: ["-c", "x"],
    imagePullPolicy: "Never",
  });
  const [main, side] = body.spec.template.spec.containers;
  assert.equal(main.image, "alpine:3");
  assert.deepEqual(main.command, ["bash"]);
  assert.deepEqual(main.args, ["-c", "x"]);
  assert.equal(main.imagePullPolicy, "Never");
  assert.equal(side.image, "busybox");
  assert.equal(side.command, undefined);
  assert.equal(body.spec.template.spec.initContainers[0].image, "busybox");
});

Deno.test("mainContainer: the annotation on the resource or its pod template, else the first", () => {
  const p = pod();
  assert.equal(mainContainer(p, p.spec)!.name, "main");
  augmentMainPod(p, { resourceNames: ["x"], image: "new" });
  assert.equal(p.spec.containers[1].image, "new");
  assert.equal(p.spec.containers[0].image, "s");

  const j = job();
  j.spec.template.metadata = { annotations: { "kubernetes_job_operator.main_container": "side" } };
  assert.equal(mainContainer(j, j.spec.template.spec)!.name, "side");
  delete j.spec.template.metadata;
  assert.equal(mainContainer(j, j.spec.template.spec)!.name, "main");
});

Deno.test("mainContainer: an annotation naming no container is an error", () => {
  const p = pod();
  p.metadata.annotations["kubernetes_job_operator.main_container"] = "nope";
  assert.throws(
    () => mainContainer(p, p.spec),
    (error: Error) =>
      error instanceof InputError &&
      error.message ===
        `document 1 (Pod/p): metadata.annotations["kubernetes_job_operator.main_container"]: no container named "nope" (containers: side, main)`,
  );
});

Deno.test("augmentMainPod: image pull secrets are merged without duplicates", () => {
  const body = job();
  body.spec.template.spec.imagePullSecrets = [{ name: "a" }];
  augmentMainPod(body, { resourceNames: ["x"], imagePullSecrets: ["a", "b", "b"] });
  assert.deepEqual(body.spec.template.spec.imagePullSecrets, [{ name: "a" }, { name: "b" }]);
});

Deno.test("augmentMainPod: secret files become a secret volume and subPath mounts on the main container", () => {
  const body = pod();
  body.spec.volumes = [{ name: "kjo-secret-creds", emptyDir: {} }];
  augmentMainPod(body, {
    resourceNames: ["x"],
    secretFiles: {
      creds: { "user.txt": "/etc/creds/user", "pass.txt": "/etc/creds/pass" },
      "tls.cert": { crt: "/tls/crt" },
    },
  });
  assert.deepEqual(body.spec.volumes, [
    { name: "kjo-secret-creds", emptyDir: {} },
    { name: "kjo-secret-creds-2", secret: { secretName: "creds" } },
    { name: "kjo-secret-tls-cert", secret: { secretName: "tls.cert" } },
  ]);
  assert.deepEqual(body.spec.containers[1].volumeMounts, [
    {
      name: "kjo-secret-creds-2",
      mountPath: "/etc/creds/user",
      subPath: "user.txt",
      readOnly: true,
    },
    {
      name: "kjo-secret-creds-2",
      mountPath: "/etc/creds/pass",
      subPath: "pass.txt",
      readOnly: true,
    },
    { name: "kjo-secret-tls-cert", mountPath: "/tls/crt", subPath: "crt", readOnly: true },
  ]);
  assert.equal(body.spec.containers[0].volumeMounts, undefined);
});

Deno.test("augmentMainPod: a secret file on a used mount path is an error", () => {
  const body = pod();
  body.spec.containers[1].volumeMounts = [{ name: "v", mountPath: "/data" }];
  assert.throws(
    () => augmentMainPod(body, { resourceNames: ["x"], secretFiles: { s: { k: "/data" } } }),
    /^InputError: document 1 \(Pod\/p\): secretFiles\.s\.k: mount path \/data is already used in the main container$/,
  );
});

Deno.test("augmentMainPod: a first resource without a pod spec", () => {
  const cm = configMap();
  augmentMainPod(cm, { resourceNames: ["x"] });
  assert.deepEqual(cm.data, { a: "1" });
  assert.throws(
    () => augmentMainPod(configMap(), { resourceNames: ["x"], envs: { A: "1" }, image: "i" }),
    /^InputError: document 1 \(ConfigMap\/cfg\): envs, image: the first resource has no pod spec to apply them to$/,
  );
});

Deno.test("applyKindDefaults: backoffLimit 0 and restartPolicy Never unless set", () => {
  const j = job();
  applyKindDefaults(j);
  assert.equal(j.spec.backoffLimit, 0);
  assert.equal(j.spec.template.spec.restartPolicy, "Never");
  const set = job();
  set.spec.backoffLimit = 3;
  set.spec.template.spec.restartPolicy = "OnFailure";
  applyKindDefaults(set);
  assert.equal(set.spec.backoffLimit, 3);
  assert.equal(set.spec.template.spec.restartPolicy, "OnFailure");
  const p = pod();
  applyKindDefaults(p);
  assert.equal(p.spec.restartPolicy, "Never");
});

Deno.test("augmentDocuments: envs and overrides only on the first resource", () => {
  const docs = [job("first"), job("second"), configMap()] as KubeObject[];
  augmentDocuments(docs, { ...options, namePrefix: "t", envs: { X: "1" }, image: "new" });
  const [first, second] = docs as Any[];
  assert.equal(first.spec.template.spec.containers[0].image, "new");
  assert.equal(second.spec.template.spec.containers[0].image, "busybox");
  assert.deepEqual(first.spec.template.spec.containers[0].env[0], {
    name: RESOURCES_ENV,
    value: "t-first-abcd1234 t-second-abcd1234 t-cfg-abcd1234",
  });
  assert.deepEqual(second.spec.template.spec.containers[0].env, [{ name: "A", value: "body" }, {
    name: "B",
    value: "body",
  }]);
  assert.equal(second.spec.backoffLimit, 0);
  for (const doc of docs) assert.equal(doc.metadata.labels![RUN_ID_LABEL], "run-1");
});

Deno.test("augmentDocuments: the run-id label wins over a body or option label", () => {
  const body = configMap({ name: "c", labels: { [RUN_ID_LABEL]: "forged" } });
  augmentDocuments([body], { ...options, labels: { [RUN_ID_LABEL]: "other", a: "b" } });
  assert.deepEqual(body.metadata.labels, {
    [RUN_ID_LABEL]: "run-1",
    a: "b",
    "kjo/tracked": "true",
  });
});

Deno.test("augmentDocuments: deadlines on the first Job or Pod when not set", () => {
  const docs = [job(), job("second")] as Any[];
  augmentDocuments(docs, { ...options, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 60 });
  assert.equal(docs[0].spec.activeDeadlineSeconds, 600);
  assert.equal(docs[0].spec.ttlSecondsAfterFinished, 60);
  assert.equal(docs[1].spec.activeDeadlineSeconds, undefined);

  const set = job();
  set.spec.activeDeadlineSeconds = 5;
  set.spec.ttlSecondsAfterFinished = 0;
  augmentDocuments([set], { ...options, activeDeadlineSeconds: 600, ttlSecondsAfterFinished: 60 });
  assert.equal(set.spec.activeDeadlineSeconds, 5);
  assert.equal(set.spec.ttlSecondsAfterFinished, 0);

  const p = pod();
  augmentDocuments([p], { ...options, activeDeadlineSeconds: 30, ttlSecondsAfterFinished: 60 });
  assert.equal(p.spec.activeDeadlineSeconds, 30);
  assert.equal(p.spec.ttlSecondsAfterFinished, undefined);
});

Deno.test("augmentDocuments: creates missing metadata", () => {
  const body: Any = { apiVersion: "v1", kind: "ConfigMap" };
  augmentDocuments([body], options);
  assert.equal(body.metadata.name, "configmap-abcd1234");
});
