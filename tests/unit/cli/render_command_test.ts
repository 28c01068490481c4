import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { formatManifests } from "../../../src/cli/render_command.ts";
import { fixture, kjo, stubKubeConfigFile } from "./_cli.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

function yamlDocs(text: string): Any[] {
  return parseAllDocuments(text).map((d) => {
    if (!("toJS" in d)) throw new Error("not a YAML stream");
    return d.toJS();
  });
}

const HELLO_R1 = `apiVersion: batch/v1
kind: Job
metadata:
  name: hello-n7xjhv1l
  labels:
    kjo/run-id: r1
    kjo/tracked: "true"
  annotations:
    kjo/resources: '[{"apiVersion":"batch/v1","kind":"Job","name":"hello-n7xjhv1l"}]'
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: busybox
          command:
            - sh
            - -c
            - "echo hello from kjo; echo resources: $KUBERNETES_JOB_OPERATOR_RESOURCES"
          env:
            - name: KUBERNETES_JOB_OPERATOR_RESOURCES
              value: hello-n7xjhv1l
    metadata:
      labels:
        kjo/run-id: r1
`;

Deno.test("render: a fixed --run-id gives the same YAML every time; no kube config leaves namespaces unset", async () => {
  const first = await kjo("render", "-f", fixture("job_hello.yaml"), "--run-id", "r1");
  const second = await kjo("render", "-f", fixture("job_hello.yaml"), "--run-id", "r1");
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout, HELLO_R1);
  assert.equal(second.stdout, first.stdout);
  assert.equal(first.stderr, "");
});

Deno.test("render: without --run-id the run id and the name postfix are new each time", async () => {
  const a = yamlDocs((await kjo("render", "-f", fixture("job_hello.yaml"))).stdout)[0];
  const b = yamlDocs((await kjo("render", "-f", fixture("job_hello.yaml"))).stdout)[0];
  assert.match(a.metadata.name, /^hello-[a-z0-9]{8}$/);
  assert.notEqual(a.metadata.name, b.metadata.name);
  assert.notEqual(a.metadata.labels["kjo/run-id"], b.metadata.labels["kjo/run-id"]);
});

Deno.test("render: a multi-document body keeps its order, names and cross-references", async () => {
  const { code, stdout } = await kjo(
    "render",
    "-f",
    fixture("multi_resource.yaml"),
    "--run-id",
    "r1",
  );
  assert.equal(code, 0);
  assert.equal(stdout.split("\n---\n").length, 3);
  const [job, configMap, service] = yamlDocs(stdout);
  assert.deepEqual([job.kind, configMap.kind, service.kind], ["Job", "ConfigMap", "Service"]);
  assert.equal(job.spec.template.spec.volumes[0].configMap.name, configMap.metadata.name);
  for (const object of [job, configMap, service]) {
    assert.equal(object.metadata.labels["kjo/run-id"], "r1");
    assert.equal(object.metadata.namespace, undefined);
  }
});

Deno.test("render: templating with --values and --set, -o json gives a JSON list", async () => {
  const { code, stdout } = await kjo(
    "render",
    "-f",
    fixture("job_template.yaml"),
    "--values",
    fixture("job_template.values.yaml"),
    "--set",
    "greeting=hi",
    "--run-id",
    "r1",
    "-o",
    "json",
  );
  assert.equal(code, 0);
  const list = JSON.parse(stdout);
  assert.ok(Array.isArray(list));
  assert.equal(list.length, 1);
  const container = list[0].spec.template.spec.containers[0];
  assert.equal(list[0].metadata.name, "greeter-n7xjhv1l");
  assert.equal(container.command[2], 'echo "$GREETING (run $RUN_ID)"');
  assert.deepEqual(container.env.map((e: Any) => `${e.name}=${e.value}`), [
    "KUBERNETES_JOB_OPERATOR_RESOURCES=greeter-n7xjhv1l",
    "GREETING=hi",
    "RUN_ID=r1",
    "MODE=test",
    "LEVEL=3",
  ]);
});

Deno.test("render: --image with a command after --, --namespace on every resource", async () => {
  const { code, stdout } = await kjo(
    "render",
    "--image",
    "alpine:3",
    "-n",
    "jobs",
    "--name-prefix",
    "etl",
    "--random-name-postfix-length",
    "0",
    "--run-id",
    "r1",
    "--",
    "sh",
    "-c",
    "echo hi",
  );
  assert.equal(code, 0);
  const [job] = yamlDocs(stdout);
  assert.equal(job.kind, "Job");
  assert.equal(job.metadata.namespace, "jobs");
  assert.match(job.metadata.name, /^etl-/);
  assert.equal(job.spec.template.spec.containers[0].image, "alpine:3");
  assert.deepEqual(job.spec.template.spec.containers[0].command, ["sh", "-c", "echo hi"]);
});

Deno.test("render: the first resource's namespace is used for the others", async () => {
  const body = JSON.stringify([
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "team" } },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b" } },
    { apiVersion: "v1", kind: "Namespace", metadata: { name: "c" } },
  ]);
  const { code, stdout, stderr } = await kjo("render", "--body", body, "--run-id", "r1");
  assert.equal(code, 0, stderr);
  const docs = yamlDocs(stdout);
  assert.deepEqual(docs.map((d) => d.metadata.namespace), ["team", "team", undefined]);
});

Deno.test("render: a loadable kube config supplies the context's namespace, without network", async () => {
  // Nothing listens on port 9: any request would fail.
  const kubeconfig = await stubKubeConfigFile(9);
  try {
    const { code, stdout, stderr } = await kjo(
      "render",
      "-f",
      fixture("job_hello.yaml"),
      "--run-id",
      "r1",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 0, stderr);
    assert.equal(yamlDocs(stdout)[0].metadata.namespace, "ns");
  } finally {
    await Deno.remove(kubeconfig);
  }
});

Deno.test("render: bad input is one line on stderr and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [[], /^kjo: no body: give one of -f\/--body-file, --body or --image\n$/],
    [["--body-file", "x.yaml", "--body", "{}"], /^kjo: give only one of/],
    [["-f", "does-not-exist.yaml"], /does-not-exist\.yaml/],
    [["--image", "busybox", "--run-id", "bad id!"], /^kjo: runId: must be a valid label value/],
    [
      ["--image", "busybox", "--kubeconfig", "/nonexistent/kubeconfig"],
      /^kjo: kubeconfig \/nonexistent\/kubeconfig: file not found\n$/,
    ],
    [["--body", "apiVersion: v1\nkind: ConfigMap\nmetadata: [1"], /^kjo: /],
  ];
  for (const [args, expected] of cases) {
    const { code, stdout, stderr } = await kjo("render", ...args);
    assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
    assert.equal(stdout, "");
    assert.match(stderr, expected);
    assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
  }
});

Deno.test("render: an unknown --output is a usage error (exit 2)", async () => {
  const { code } = await kjo("render", "--image", "busybox", "-o", "xml");
  assert.equal(code, 2);
});

Deno.test("formatManifests: a YAML stream or a JSON list", () => {
  assert.equal(formatManifests([{ a: 1 }, { b: [1, 2] }], "yaml"), "a: 1\n---\nb:\n  - 1\n  - 2");
  assert.equal(formatManifests([{ a: 1 }], "json"), '[\n  {\n    "a": 1\n  }\n]');
});

Deno.test("render: references to renamed siblings of the body are rewritten", async () => {
  const { code, stdout, stderr } = await kjo(
    "render",
    "-f",
    fixture("job_config_secret.yaml"),
    "--name-prefix",
    "etl",
    "--image-pull-secret",
    "report-credentials",
    "--run-id",
    "r1",
  );
  assert.equal(code, 0, stderr);
  const [job, configMap, secret] = yamlDocs(stdout);
  const cm = configMap.metadata.name;
  const sec = secret.metadata.name;
  assert.match(cm, /^etl-report-settings-[a-z0-9]{8}$/);
  assert.match(sec, /^etl-report-credentials-[a-z0-9]{8}$/);
  const spec = job.spec.template.spec;
  const main = spec.containers[0];
  assert.deepEqual(main.envFrom.map((e: Any) => e.configMapRef?.name ?? e.secretRef?.name), [
    cm,
    sec,
  ]);
  const refs = Object.fromEntries(
    main.env.filter((e: Any) => e.valueFrom).map((e: Any) => [
      e.name,
      (e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef).name,
    ]),
  );
  assert.deepEqual(refs, { GREETING: cm, API_TOKEN: sec });
  assert.deepEqual(spec.volumes, [
    { name: "settings", configMap: { name: cm } },
    { name: "credentials", secret: { secretName: sec } },
  ]);
  // A pull secret given as an option names a Secret of the cluster: kept.
  assert.deepEqual(spec.imagePullSecrets, [{ name: "report-credentials" }]);
});
