// kjo run end to end on the local cluster: results, logs, events, XCom,
// delete policies, bad input and interruption.
import assert from "node:assert/strict";
import { namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { eventsOf, kjo, resultOf, startKjo } from "../_kjo.ts";

const cluster = await useTestNamespace("kjo-run");
const test = namespaceTests("kjo run (integration)", cluster);
const ns = cluster.namespace;
const run = (...args: string[]) => kjo(["run", "-n", ns, "-o", "jsonl", ...args]);

/** Every Job, Pod, ConfigMap and Service left in the namespace. */
async function leftovers(): Promise<string[]> {
  const [jobs, pods, cms, svcs] = await Promise.all([
    cluster.batch.listNamespacedJob({ namespace: ns }),
    cluster.core.listNamespacedPod({ namespace: ns }),
    cluster.core.listNamespacedConfigMap({ namespace: ns, labelSelector: "kjo/run-id" }),
    cluster.core.listNamespacedService({ namespace: ns }),
  ]);
  return [
    ...jobs.items.map((o) => `Job/${o.metadata?.name}`),
    ...pods.items.map((o) => `Pod/${o.metadata?.name}`),
    ...cms.items.map((o) => `ConfigMap/${o.metadata?.name}`),
    ...svcs.items.map((o) => `Service/${o.metadata?.name}`),
  ];
}

test({
  name: "kjo run: an image Job succeeds, its lines are relayed and it is deleted (IfSucceeded)",
  async fn() {
    const { code, events } = await run(
      "--image",
      "busybox",
      "--",
      "sh",
      "-c",
      "echo one; echo two",
    );
    assert.equal(code, 0);
    const logs = eventsOf(events, "log").map((e) => e.line);
    assert.deepEqual(logs, ["one", "two"]);
    const result = resultOf(events);
    assert.equal(result.state, "Succeeded");
    assert.equal(result.exitCode, 0);
    assert.deepEqual(await leftovers(), []);
  },
});

test("kjo run: a sidecar pod whose main container exits 3 fails with exit 1 and the reason", async () => {
  const body = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "sidecar",
      annotations: { "kubernetes_job_operator.main_container": "main" },
    },
    spec: {
      restartPolicy: "Never",
      containers: [
        { name: "main", image: "busybox", command: ["sh", "-c", "echo main failing; exit 3"] },
        { name: "side", image: "busybox", command: ["sh", "-c", "echo side up; sleep 300"] },
      ],
    },
  };
  const { code, events } = await run("--body", JSON.stringify(body), "--delete-policy", "Always");
  assert.equal(code, 1);
  const result = resultOf(events);
  assert.equal(result.state, "Failed");
  assert.match(result.message ?? "", /main.*3/);
  assert.ok(
    result.summary?.some((line) => line.includes("main failing")),
    String(result.summary?.join("\n")),
  );
  assert.ok(eventsOf(events, "log").some((e) => e.container === "side" && e.line === "side up"));
  assert.deepEqual(await leftovers(), []);
});

test("kjo run: a Job with parallelism 3 relays the lines of all 3 pods", async () => {
  const body = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "par" },
    spec: {
      completions: 3,
      parallelism: 3,
      template: {
        spec: {
          containers: [{
            name: "main",
            image: "busybox",
            command: ["sh", "-c", "echo from $HOSTNAME"],
          }],
        },
      },
    },
  };
  const { code, events } = await run("--body", JSON.stringify(body));
  assert.equal(code, 0);
  const logs = eventsOf(events, "log");
  const pods = new Set(logs.map((e) => e.pod));
  assert.equal(pods.size, 3);
  for (const log of logs) assert.equal(log.line, `from ${log.pod}`);
});

test("kjo run: 20,000 lines printed as fast as possible are each relayed once, in order", async () => {
  const { code, events } = await run(
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    "seq 1 20000",
  );
  assert.equal(code, 0);
  const lines = eventsOf(events, "log").map((e) => e.line);
  assert.equal(lines.length, 20000);
  lines.forEach((line, i) => {
    if (line !== String(i + 1)) throw new Error(`line ${i + 1} is ${JSON.stringify(line)}`);
  });
});

test("kjo run: an xcom event is parsed into the result and not relayed as a log line", async () => {
  const { code, events } = await run(
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    `echo before; echo '::kube_api:xcom={"a": 1, "b": "x"}'; echo '::kube_api:xcom={"b": "y"}'; echo '::kube_api:progress=50'`,
  );
  assert.equal(code, 0);
  assert.deepEqual(resultOf(events).xcom, { a: 1, b: "y" });
  assert.deepEqual(eventsOf(events, "log").map((e) => e.line), ["before"]);
  const api = eventsOf(events, "api_event");
  assert.deepEqual(api.map((e) => e.name), ["xcom", "xcom", "progress"]);
  assert.equal(api[2].value, "50");
});

test("kjo run: an xcom value that is not a JSON object fails the run with a clear reason", async () => {
  const { code, events } = await run(
    "--image",
    "busybox",
    "--delete-policy",
    "Always",
    "--",
    "sh",
    "-c",
    "echo '::kube_api:xcom=[1,2]'",
  );
  assert.equal(code, 1);
  assert.match(resultOf(events).message ?? "", /xcom value must be a JSON object/);
});

test("kjo run: invalid YAML exits 2 with the line, and nothing is created", async () => {
  const { code, stderr, events } = await kjo([
    "run",
    "-n",
    ns,
    "--body",
    "kind: Job\nmetadata: [oops\n",
    "-o",
    "jsonl",
  ]);
  assert.equal(code, 2, stderr);
  const result = resultOf(events);
  assert.equal(result.state, "Error");
  assert.match(result.message ?? "", /line/);
  assert.deepEqual(await leftovers(), []);
});

test("kjo run: hostile or malformed input exits 2 with one line, and nothing is created", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n";
    for (const [name, previous] of [["b", "a"], ["c", "b"], ["d", "c"], ["e", "d"], ["f", "e"]]) {
      bomb += `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]\n`;
    }
    await Deno.writeTextFile(`${dir}/bomb.yaml`, bomb);
    const jobObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "hostile" },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            containers: [{ name: "main", image: "busybox", command: ["true"] }],
          },
        },
      },
    };
    const job = JSON.stringify(jobObject);
    const cases: [string[], RegExp][] = [
      [
        ["--body", `${job}\n---\n${bomb}`],
        /^body: YAML document 2: too many YAML alias expansions/,
      ],
      [
        ["--body", `[${job}, ${"[".repeat(50_000)}${"]".repeat(50_000)}]`],
        /nested deeper than 100 levels$/,
      ],
      [
        ["--body", `${job}\n# <% Deno.writeTextFileSync("${dir}/pwned", "x") %>\n`],
        /^body: template line 2: templates run without permissions \(Requires write access/,
      ],
      [
        ["--image", "busybox", "--rules", `${dir}/bomb.yaml`],
        /rules file .*too many YAML alias expansions/,
      ],
      [
        ["--image", "busybox", "--set", `${"k".repeat(2000)}=1`],
        /--set "k+…": key longer than 1024/,
      ],
    ];
    for (const [args, expected] of cases) {
      const { code, stderr, events } = await run(...args);
      assert.equal(code, 2, `${args[0]}: ${stderr}`);
      const message = events.length > 0
        ? resultOf(events).message ?? ""
        : stderr.replace(/^kjo: /, "");
      assert.match(message.trimEnd(), expected);
      assert.equal(message.trimEnd().split("\n").length, 1, message);
    }
    await assert.rejects(() => Deno.stat(`${dir}/pwned`), Deno.errors.NotFound);
    assert.deepEqual(await leftovers(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

test("kjo run: a body the server rejects exits 2 naming the document and field; nothing is created", async () => {
  const body = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "first" }, data: { a: "b" } },
    {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "bad" },
      spec: {
        template: {
          spec: {
            containers: [{ name: "main", image: "busybox", command: ["true"], bogusField: 1 }],
          },
        },
      },
    },
  ];
  const kinds =
    "kinds:\n  - apiVersion: v1\n    kind: ConfigMap\n    succeeded: [{ path: data.a, equals: b }]\n";
  const rules = await Deno.makeTempFile({ suffix: ".yaml" });
  await Deno.writeTextFile(rules, kinds);
  const { code, events } = await run("--body", JSON.stringify(body), "--rules", rules);
  assert.equal(code, 2);
  const message = resultOf(events).message ?? "";
  assert.match(message, /document 2 \(Job\/bad-[a-z0-9]+\)/);
  assert.match(message, /bogusField/);
  assert.deepEqual(await leftovers(), []);
});

test("kjo run: an image under kjo.invalid fails within the grace, with the reason", async () => {
  const started = Date.now();
  const { code, events } = await run(
    "--image",
    "kjo.invalid/missing:1",
    "--image-pull-failure-grace",
    "5",
    "--delete-policy",
    "Always",
    "--",
    "true",
  );
  assert.equal(code, 1);
  const result = resultOf(events);
  assert.match(result.reason ?? "", /ErrImagePull|ImagePullBackOff/);
  assert.ok(Date.now() - started < 60_000, "took too long to fail");
  assert.ok(
    eventsOf(events, "k8s_event").some((e) => e.reason === "Failed" || e.reason === "BackOff"),
  );
  assert.deepEqual(await leftovers(), []);
});

test("kjo run: an unschedulable pod fails at the startup timeout with the scheduler's message", async () => {
  const body = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "huge" },
    spec: {
      containers: [{
        name: "main",
        image: "busybox",
        command: ["true"],
        resources: { requests: { cpu: "1000" } },
      }],
    },
  };
  const { code, events } = await run(
    "--body",
    JSON.stringify(body),
    "--startup-timeout",
    "5",
    "--delete-policy",
    "Always",
  );
  assert.equal(code, 1);
  const result = resultOf(events);
  assert.equal(result.reason, "StartupTimeout");
  assert.match(result.message ?? "", /Insufficient cpu/);
});

test("kjo run: delete policies Never and IfFailed keep what they should", async () => {
  const kept = await run(
    "--image",
    "busybox",
    "--delete-policy",
    "Never",
    "--name-prefix",
    "kept",
    "--",
    "true",
  );
  assert.equal(kept.code, 0);
  const jobName = resultOf(kept.events).resources[0];
  assert.ok((await leftovers()).includes(jobName), `${jobName} should remain`);
  const failed = await run(
    "--image",
    "busybox",
    "--delete-policy",
    "IfSucceeded",
    "--name-prefix",
    "failkept",
    "--",
    "sh",
    "-c",
    "exit 2",
  );
  assert.equal(failed.code, 1);
  assert.ok((await leftovers()).includes(resultOf(failed.events).resources[0]));
  const cleaned = await run(
    "--image",
    "busybox",
    "--delete-policy",
    "IfFailed",
    "--name-prefix",
    "ifailed",
    "--",
    "sh",
    "-c",
    "exit 2",
  );
  assert.equal(cleaned.code, 1);
  assert.ok(!(await leftovers()).includes(resultOf(cleaned.events).resources[0]));
  // Tidy up what the policies kept.
  const cleanup = await kjo(["cleanup", "-n", ns, "--older-than", "1s"]);
  assert.equal(cleanup.code, 0, cleanup.stderr);
  await waitFor("namespace empty", 60_000, async () => (await leftovers()).length === 0);
});

test("kjo run: a multi-resource body creates all, owner-references the first, deletes all", async () => {
  const { code, events } = await run(
    "-f",
    "fixtures/multi_resource.yaml",
    "--delete-policy",
    "Never",
  );
  assert.equal(code, 0);
  const result = resultOf(events);
  assert.ok(result.resources.length >= 2);
  const runId = result.runId!;
  const cms = await cluster.core.listNamespacedConfigMap({
    namespace: ns,
    labelSelector: `kjo/run-id=${runId}`,
  });
  assert.equal(cms.items.length, 1);
  const owner = cms.items[0].metadata?.ownerReferences?.[0];
  assert.equal(owner?.kind, "Job");
  assert.equal(`Job/${owner?.name}`, result.resources[0]);
  // Deleting the first resource lets the garbage collector remove the rest.
  await cluster.batch.deleteNamespacedJob({
    name: owner!.name,
    namespace: ns,
    propagationPolicy: "Background",
  });
  await waitFor("garbage collection", 60_000, async () => (await leftovers()).length === 0);
});

test("kjo run: SIGTERM mid-run deletes everything and exits 143", async () => {
  const { child, outcome } = startKjo([
    "run",
    "-n",
    ns,
    "-o",
    "jsonl",
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    "echo started; sleep 300",
  ]);
  await waitFor(
    "the job to start",
    60_000,
    async () => (await leftovers()).some((n) => n.startsWith("Pod/")),
  );
  await new Promise((r) => setTimeout(r, 1500));
  child.kill("SIGTERM");
  const { code, events } = await outcome;
  assert.equal(code, 143);
  assert.equal(resultOf(events).state, "Interrupted");
  assert.deepEqual(await leftovers(), []);
});

test("kjo run: text output prefixes lines with pod/container and reports the result on stderr", async () => {
  const { code, stdout, stderr } = await kjo([
    "run",
    "-n",
    ns,
    "--image",
    "busybox",
    "--",
    "sh",
    "-c",
    "echo hi",
  ]);
  assert.equal(code, 0);
  assert.match(stdout, /^[a-z0-9-]+\/main \| hi$/m);
  assert.match(stderr, /Succeeded/);
});
