import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import {
  documentLabel,
  validateDocument,
  validateDocuments,
  validateShape,
} from "../../../src/body/validate_document.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function job(): Any {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "build-x1" },
    spec: {
      template: {
        spec: {
          restartPolicy: "Never",
          containers: [{ name: "main", image: "busybox", command: ["sh"] }],
        },
      },
    },
  };
}

function pod(): Any {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p" },
    spec: { containers: [{ name: "main", image: "busybox" }] },
  };
}

function errorOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.ok(!error.message.includes("\n"));
    return error.message;
  }
  throw new Error("expected an error");
}

function fullError(object: unknown, index = 1): string {
  return errorOf(() => validateDocument(object as KubeObject, index));
}

Deno.test("documentLabel: index, kind and name", () => {
  assert.equal(documentLabel({ kind: "Job", metadata: { name: "a" } }, 2), "document 2 (Job/a)");
  assert.equal(
    documentLabel({ kind: "Job", metadata: { generateName: "a-" } }, 2),
    "document 2 (Job/a-)",
  );
  assert.equal(documentLabel({ kind: "Job" }, 1), "document 1 (Job)");
  assert.equal(documentLabel({}, 3), "document 3");
  assert.equal(documentLabel("x", 3), "document 3");
});

Deno.test("valid Job, Pod and ConfigMap pass", () => {
  assert.doesNotThrow(() => validateDocument(job(), 1));
  assert.doesNotThrow(() => validateDocument(pod(), 1));
  assert.doesNotThrow(() =>
    validateDocument({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a.b-c" } }, 1)
  );
});

Deno.test("validateShape: apiVersion, kind and metadata", () => {
  assert.equal(errorOf(() => validateShape([], 1)), "document 1: must be an object, got a list");
  assert.equal(
    errorOf(() => validateShape({ kind: "Job" }, 2)),
    "document 2 (Job): apiVersion: is required (a non-empty string)",
  );
  assert.equal(
    errorOf(() => validateShape({ apiVersion: "v1" }, 1)),
    "document 1: kind: is required (a non-empty string)",
  );
  assert.equal(
    errorOf(() => validateShape({ apiVersion: "v1", kind: 3 }, 1)),
    "document 1: kind: must be a non-empty string, got a number",
  );
  assert.equal(
    errorOf(() => validateShape({ apiVersion: "v1", kind: "Pod", metadata: [] }, 1)),
    "document 1 (Pod): metadata: must be an object, got a list",
  );
  assert.equal(
    errorOf(() => validateShape({ apiVersion: "v1", kind: "Pod", metadata: { name: 5 } }, 1)),
    "document 1 (Pod): metadata.name: must be a string, got a number",
  );
  assert.equal(
    errorOf(() =>
      validateShape({ apiVersion: "v1", kind: "Pod", metadata: { generateName: true } }, 1)
    ),
    "document 1 (Pod): metadata.generateName: must be a string, got a boolean",
  );
  assert.equal(
    errorOf(() =>
      validateShape({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", labels: { version: 1 } },
      }, 1)
    ),
    "document 1 (Pod/p): metadata.labels.version: must be a string, got a number",
  );
  validateShape({ apiVersion: "v1", kind: "Pod" }, 1);
});

Deno.test("names must be DNS-1123 within the kind's limit", () => {
  const bad = pod();
  bad.metadata.name = "Bad_Name";
  assert.equal(
    fullError(bad),
    `document 1 (Pod/Bad_Name): metadata.name: must be a DNS-1123 name (lowercase letters, digits and '-'), got "Bad_Name"`,
  );
  const long = pod();
  long.metadata.name = "a".repeat(64);
  assert.match(
    fullError(long),
    /^document 1 \(Pod\/a+\): metadata\.name: must be at most 63 characters for a Pod, got 64$/,
  );
  const dotted = pod();
  dotted.metadata.name = "a.b";
  assert.match(fullError(dotted), /metadata\.name: must be a DNS-1123 name/);
  const service = { apiVersion: "v1", kind: "Service", metadata: { name: "1web" } };
  assert.match(
    fullError(service, 2),
    /^document 2 \(Service\/1web\): metadata\.name: must be a DNS-1035 label/,
  );
  assert.equal(
    fullError({ apiVersion: "v1", kind: "ConfigMap", metadata: {} }),
    "document 1 (ConfigMap): metadata.name: is required (a non-empty string)",
  );
  assert.equal(
    fullError({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "Bad" } }),
    "document 1 (ConfigMap/c): metadata.namespace: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63)",
  );
});

Deno.test("labels must be valid", () => {
  const bad = pod();
  bad.metadata.labels = { app: "has space" };
  assert.match(
    fullError(bad),
    /^document 1 \(Pod\/p\): metadata\.labels\.app: invalid label value "has space"/,
  );
  const badKey = pod();
  badKey.metadata.labels = { "-x": "a" };
  assert.match(fullError(badKey), /metadata\.labels\["-x"\]: invalid label key/);
  const template = job();
  template.spec.template.metadata = { labels: { a: "x".repeat(64) } };
  assert.match(fullError(template), /spec\.template\.metadata\.labels\.a: invalid label value/);
});

Deno.test("pod specs: required paths by kind", () => {
  const noSpec = pod();
  delete noSpec.spec;
  assert.equal(fullError(noSpec), "document 1 (Pod/p): spec: is required");
  const noTemplate = job();
  delete noTemplate.spec.template;
  assert.equal(fullError(noTemplate), "document 1 (Job/build-x1): spec.template: is required");
  const noTemplateSpec = job();
  noTemplateSpec.spec.template = { metadata: {} };
  assert.equal(
    fullError(noTemplateSpec),
    "document 1 (Job/build-x1): spec.template.spec: is required",
  );
  const cron = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: "c" },
    spec: { jobTemplate: { spec: {} } },
  };
  assert.equal(
    fullError(cron),
    "document 1 (CronJob/c): spec.jobTemplate.spec.template: is required",
  );
});

Deno.test("pod specs: containers", () => {
  const cases: [(j: Any) => void, string][] = [
    [(j) => delete j.spec.template.spec.containers, "spec.template.spec.containers: is required"],
    [
      (j) => j.spec.template.spec.containers = {},
      "spec.template.spec.containers: must be a list, got an object",
    ],
    [
      (j) => j.spec.template.spec.containers = [],
      "spec.template.spec.containers: must not be empty",
    ],
    [
      (j) => j.spec.template.spec.containers[0] = "x",
      "spec.template.spec.containers[0]: must be an object, got a string",
    ],
    [
      (j) => delete j.spec.template.spec.containers[0].name,
      "spec.template.spec.containers[0].name: is required (a non-empty string)",
    ],
    [
      (j) => j.spec.template.spec.containers[0].name = "Main",
      `spec.template.spec.containers[0].name: must be a DNS-1123 label (lowercase letters, digits and '-', at most 63), got "Main"`,
    ],
    [
      (j) => delete j.spec.template.spec.containers[0].image,
      "spec.template.spec.containers[0].image: is required (a non-empty string)",
    ],
    [
      (j) => j.spec.template.spec.containers[0].image = "",
      "spec.template.spec.containers[0].image: must be a non-empty string",
    ],
    [
      (j) => j.spec.template.spec.containers[0].command = "echo hi",
      "spec.template.spec.containers[0].command: must be a list, got a string",
    ],
    [
      (j) => j.spec.template.spec.containers[0].args = ["a", 1],
      "spec.template.spec.containers[0].args[1]: must be a string, got a number",
    ],
    [
      (j) => j.spec.template.spec.containers[0].env = [{ value: "x" }],
      "spec.template.spec.containers[0].env[0].name: is required (a non-empty string)",
    ],
    [
      (j) => j.spec.template.spec.containers[0].env = [{ name: "A", value: 1 }],
      "spec.template.spec.containers[0].env[0].value: must be a string, got a number",
    ],
    [
      (j) => j.spec.template.spec.containers[0].volumeMounts = [{ name: "v" }],
      "spec.template.spec.containers[0].volumeMounts[0].mountPath: is required (a non-empty string)",
    ],
    [
      (j) => j.spec.template.spec.initContainers = [{ name: "main", image: "i" }],
      `spec.template.spec.containers[0].name: duplicate container name "main" (also spec.template.spec.initContainers[0])`,
    ],
    [
      (j) => j.spec.template.spec.restartPolicy = "Always",
      `spec.template.spec.restartPolicy: must be Never or OnFailure in a Job, got "Always"`,
    ],
    [
      (j) => j.spec.template.spec.volumes = [{}],
      "spec.template.spec.volumes[0].name: is required (a non-empty string)",
    ],
    [
      (j) => j.spec.template.spec.imagePullSecrets = ["x"],
      "spec.template.spec.imagePullSecrets[0]: must be an object, got a string",
    ],
  ];
  for (const [change, expected] of cases) {
    const body = job();
    change(body);
    assert.equal(fullError(body, 2), `document 2 (Job/build-x1): ${expected}`);
  }
});

Deno.test("pod specs of other workload kinds and custom kinds are checked", () => {
  const deployment = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "d" },
    spec: { template: { spec: { containers: [{ name: "c" }] } } },
  };
  assert.equal(
    fullError(deployment),
    "document 1 (Deployment/d): spec.template.spec.containers[0].image: is required (a non-empty string)",
  );
  const custom = {
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w" },
    spec: { template: { spec: { containers: [{ name: "c", image: "" }] } } },
  };
  assert.match(
    fullError(custom),
    /^document 1 \(Widget\/w\): spec\.template\.spec\.containers\[0\]\.image/,
  );
  validateDocument({
    apiVersion: "example.com/v1",
    kind: "Widget",
    metadata: { name: "w" },
    spec: { size: 1 },
  }, 1);
});

Deno.test("validateDocuments: 1-based indexes and duplicates", () => {
  const docs = [pod(), { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } }, {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
  }];
  assert.equal(
    errorOf(() => validateDocuments(docs as KubeObject[])),
    "document 3 (ConfigMap/c): metadata.name: same kind and name as document 2",
  );
  const other = [pod(), { apiVersion: "v1", kind: "Service", metadata: { name: "p" } }];
  validateDocuments(other as KubeObject[]);
  const broken = [pod(), { apiVersion: "v1", kind: "Pod", metadata: { name: "q" } }];
  assert.equal(
    errorOf(() => validateDocuments(broken as KubeObject[])),
    "document 2 (Pod/q): spec: is required",
  );
});
