import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { buildBody, type BuildBodyOptions } from "../../../src/body/build_body.ts";
import { loadValuesFile } from "../../../src/body/load_values_file.ts";
import { mergeValues } from "../../../src/body/merge_values.ts";
import { parseSetValues } from "../../../src/body/parse_set_values.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const FIXTURES = new URL("../../../fixtures/", import.meta.url).pathname;
const zero = () => 0;

function build(options: Partial<BuildBodyOptions>): Promise<Any[]> {
  return buildBody({
    runId: "run-1",
    random: zero,
    baseDir: FIXTURES,
    source: { bodyFile: "job_hello.yaml" },
    ...options,
  });
}

async function buildError(options: Partial<BuildBodyOptions>): Promise<string> {
  try {
    await build(options);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.ok(!error.message.includes("\n"), error.message);
    return error.message;
  }
  throw new Error("expected an error");
}

Deno.test("buildBody: an image run gives a named, labelled default Job", async () => {
  const [job] = await build({
    source: { image: "busybox", command: ["sh", "-c", "echo hello"] },
    namePrefix: "hello",
  });
  assert.equal(job.metadata.name, "hello-job-aaaaaaaa");
  assert.deepEqual(job.metadata.labels, { "kjo/run-id": "run-1", "kjo/tracked": "true" });
  assert.deepEqual(job.spec.template.metadata.labels, { "kjo/run-id": "run-1" });
  assert.equal(job.spec.backoffLimit, 0);
  const container = job.spec.template.spec.containers[0];
  assert.equal(container.name, "main");
  assert.deepEqual(container.env, [{
    name: "KUBERNETES_JOB_OPERATOR_RESOURCES",
    value: "hello-job-aaaaaaaa",
  }]);
});

Deno.test("buildBody: an image run as a Pod, random postfix disabled", async () => {
  const [pod] = await build({
    source: { image: "busybox", kind: "Pod" },
    randomPostfixLength: 0,
    namePostfix: "x",
  });
  assert.equal(pod.kind, "Pod");
  assert.equal(pod.metadata.name, "pod-x");
  assert.equal(pod.spec.restartPolicy, "Never");
});

Deno.test("buildBody: fixtures/job_hello.yaml with every option", async () => {
  const [job] = await build({
    namePrefix: "My_Task",
    namespace: "jobs",
    labels: { team: "data" },
    envs: { MODE: "full" },
    image: "alpine",
    imagePullPolicy: "IfNotPresent",
    imagePullSecrets: ["registry"],
    secretFiles: { creds: { token: "/var/creds/token" } },
    activeDeadlineSeconds: 300,
    ttlSecondsAfterFinished: 60,
  });
  assert.equal(job.metadata.name, "my-task-hello-aaaaaaaa");
  assert.equal(job.metadata.namespace, "jobs");
  assert.deepEqual(job.metadata.labels, {
    team: "data",
    "kjo/run-id": "run-1",
    "kjo/tracked": "true",
  });
  assert.equal(job.spec.activeDeadlineSeconds, 300);
  assert.equal(job.spec.ttlSecondsAfterFinished, 60);
  const spec = job.spec.template.spec;
  assert.deepEqual(spec.imagePullSecrets, [{ name: "registry" }]);
  assert.deepEqual(spec.volumes, [{ name: "kjo-secret-creds", secret: { secretName: "creds" } }]);
  const main = spec.containers[0];
  assert.equal(main.image, "alpine");
  assert.equal(main.imagePullPolicy, "IfNotPresent");
  assert.deepEqual(main.env, [
    { name: "KUBERNETES_JOB_OPERATOR_RESOURCES", value: "my-task-hello-aaaaaaaa" },
    { name: "MODE", value: "full" },
  ]);
  assert.deepEqual(main.volumeMounts, [{
    name: "kjo-secret-creds",
    mountPath: "/var/creds/token",
    subPath: "token",
    readOnly: true,
  }]);
});

Deno.test("buildBody: namespace option vs the body's own vs the default", async () => {
  const body =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: mine}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n";
  const kept = await build({ source: { body }, defaultNamespace: "dflt" });
  assert.deepEqual(kept.map((d) => d.metadata.namespace), ["mine", "dflt"]);
  const replaced = await build({ source: { body }, namespace: "ns", defaultNamespace: "dflt" });
  assert.deepEqual(replaced.map((d) => d.metadata.namespace), ["ns", "ns"]);
});

Deno.test("buildBody: fixtures/pod_sidecar.yaml keeps the annotated main container", async () => {
  const [pod] = await build({ source: { bodyFile: "pod_sidecar.yaml" }, image: "alpine" });
  const [sidecar, main] = pod.spec.containers;
  assert.equal(main.image, "alpine");
  assert.equal(sidecar.image, "busybox");
  assert.equal(sidecar.env[0].name, "KUBERNETES_JOB_OPERATOR_RESOURCES");
});

Deno.test("buildBody: fixtures/multi_resource.yaml names every resource and links the ConfigMap", async () => {
  const docs = await build({ source: { bodyFile: "multi_resource.yaml" }, namePrefix: "t" });
  assert.deepEqual(docs.map((d) => `${d.kind}/${d.metadata.name}`), [
    "Job/t-reader-aaaaaaaa",
    "ConfigMap/t-greeting-aaaaaaaa",
    "Service/t-reader-aaaaaaaa",
  ]);
  const spec = docs[0].spec.template.spec;
  assert.equal(spec.volumes[0].configMap.name, "t-greeting-aaaaaaaa");
  assert.equal(
    spec.containers[0].env[0].value,
    "t-reader-aaaaaaaa t-greeting-aaaaaaaa t-reader-aaaaaaaa",
  );
  assert.deepEqual(docs[0].spec.template.metadata.labels, { app: "reader", "kjo/run-id": "run-1" });
  for (const doc of docs) assert.equal(doc.metadata.labels["kjo/run-id"], "run-1");
});

Deno.test("buildBody: fixtures/job_template.yaml with values from a file and --set", async () => {
  const values = mergeValues(
    await loadValuesFile(`${FIXTURES}job_template.values.yaml`),
    parseSetValues(["greeting=hi", "extraEnv.LEVEL=4"]),
  );
  const [job] = await build({ source: { bodyFile: "job_template.yaml" }, values });
  assert.equal(job.metadata.name, "greeter-aaaaaaaa");
  const main = job.spec.template.spec.containers[0];
  assert.deepEqual(main.command, ["sh", "-c", 'echo "$GREETING (run $RUN_ID)"']);
  assert.deepEqual(main.env.map((e: Any) => `${e.name}=${e.value}`), [
    "KUBERNETES_JOB_OPERATOR_RESOURCES=greeter-aaaaaaaa",
    "GREETING=hi",
    "RUN_ID=run-1",
    "MODE=test",
    "LEVEL=4",
  ]);
});

Deno.test("buildBody: fixtures/parallel_job.yaml", async () => {
  const [job] = await build({ source: { bodyFile: "parallel_job.yaml" } });
  assert.equal(job.spec.parallelism, 3);
  assert.equal(job.spec.template.spec.containers[0].name, "worker");
});

Deno.test("buildBody: every fixture gives each container a command and an image", async () => {
  const values = await loadValuesFile(`${FIXTURES}job_template.values.yaml`);
  for (
    const file of [
      "job_hello.yaml",
      "pod_sidecar.yaml",
      "multi_resource.yaml",
      "job_template.yaml",
      "parallel_job.yaml",
    ]
  ) {
    const [first] = await build({ source: { bodyFile: file }, values });
    const spec = first.kind === "Pod" ? first.spec : first.spec.template.spec;
    for (const container of spec.containers) {
      assert.ok(
        Array.isArray(container.command) && container.command.length > 0,
        `${file}: ${container.name}`,
      );
      assert.equal(typeof container.image, "string");
    }
  }
});

Deno.test("buildBody: templating off leaves eta tags alone", async () => {
  const body =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: '<%= it.run_id %>'}\n";
  const [off] = await build({ source: { body }, templating: false });
  assert.equal(off.data.a, "<%= it.run_id %>");
  const [on] = await build({ source: { body } });
  assert.equal(on.data.a, "run-1");
});

Deno.test("buildBody: object bodies are not templated and not mutated", async () => {
  const object = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "c" },
    data: { a: "<%= 1 %>" },
  };
  const [built] = await build({ source: { body: [object] } });
  assert.equal(built.data.a, "<%= 1 %>");
  assert.equal(built.metadata.name, "c-aaaaaaaa");
  assert.deepEqual(object.metadata, { name: "c" });
});

Deno.test("buildBody: a JSON list body from stdin", async () => {
  const json = JSON.stringify([
    {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { containers: [{ name: "c", image: "busybox", command: ["true"] }] },
    },
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
  ]);
  const docs = await build({ source: { bodyFile: "-" }, stdin: new Blob([json]).stream() });
  assert.deepEqual(docs.map((d) => d.metadata.name), ["p-aaaaaaaa", "c-aaaaaaaa"]);
});

Deno.test("buildBody: an image option fills a container without one", async () => {
  const body =
    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: c\n      command: [sh]\n";
  const [pod] = await build({ source: { body }, image: "busybox" });
  assert.equal(pod.spec.containers[0].image, "busybox");
  assert.equal(
    await buildError({ source: { body } }),
    "document 1 (Pod/pod-aaaaaaaa): spec.containers[0].image: is required (a non-empty string)",
  );
});

Deno.test("buildBody: errors name the origin, document, field and reason", async () => {
  assert.equal(
    await buildError({ source: { bodyFile: "missing.yaml" } }),
    `body file missing.yaml: not found (${FIXTURES}missing.yaml)`,
  );
  assert.equal(
    await buildError({ source: { body: "kind: [" } }),
    "body: YAML document 1: line 1, column 8: Flow sequence in block collection must be sufficiently indented and end with a ]",
  );
  assert.equal(
    await buildError({ source: { body: "a: <%= x( %>" } }),
    "body: template line 1: Unexpected token ';'",
  );
  assert.equal(
    await buildError({ source: { body: "kind: Pod\n" } }),
    "document 1 (Pod): apiVersion: is required (a non-empty string)",
  );
  assert.equal(
    await buildError({
      source: {
        body:
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {containers: []}\n",
      },
    }),
    "document 2 (Pod/b-aaaaaaaa): spec.containers: must not be empty",
  );
  assert.equal(
    await buildError({ source: { body: "" } }),
    "body: no documents (the body is empty)",
  );
});

Deno.test("buildBody: option errors name the option", async () => {
  assert.equal(await buildError({ runId: "" }), "runId: is required");
  assert.match(await buildError({ runId: "bad id" }), /^runId: must be a valid label value/);
  assert.equal(
    await buildError({ randomPostfixLength: 40 }),
    "randomPostfixLength: must be an integer from 0 to 32, got 40",
  );
  assert.equal(
    await buildError({ activeDeadlineSeconds: 0 }),
    "activeDeadlineSeconds: must be an integer from 1 up, got 0",
  );
  assert.match(await buildError({ namespace: "Bad_NS" }), /^namespace: must be a DNS-1123 label/);
  assert.equal(
    await buildError({ imagePullPolicy: "Sometimes" as never }),
    `imagePullPolicy: must be one of Always, IfNotPresent, Never, got "Sometimes"`,
  );
  assert.equal(
    await buildError({ envs: { A: 1 as never } }),
    "envs.A: must be a string, got a number",
  );
  assert.match(
    await buildError({ labels: { a: "not valid!" } }),
    /^labels\.a: invalid label value/,
  );
  assert.equal(
    await buildError({ secretFiles: { s: { k: "relative/path" } } }),
    `secretFiles.s.k: mount path must be absolute, got "relative/path"`,
  );
  assert.match(
    await buildError({ secretFiles: { "Bad_Secret": { k: "/a" } } }),
    /^secretFiles\.Bad_Secret: not a valid secret name/,
  );
  assert.equal(
    await buildError({ command: "echo" as never }),
    "command: must be a list of strings",
  );
});

Deno.test("buildBody: uses crypto randomness by default", async () => {
  const [a] = await buildBody({ runId: "r", source: { image: "busybox" } });
  const [b] = await buildBody({ runId: "r", source: { image: "busybox" } });
  assert.match(a.metadata.name ?? "", /^job-[a-z0-9]{8}$/);
  assert.notEqual(a.metadata.name, b.metadata.name);
});
