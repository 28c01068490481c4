import assert from "node:assert/strict";
import { ExitCode } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import type { ResultEvent, RunEvent } from "../../../src/output/run_event.ts";
import { run } from "../../../src/runner/run.ts";
import type { RunOptions } from "../../../src/runner/run_options.ts";
import { FakeCluster } from "./_fake_cluster.ts";
import {
  UNREACHABLE_SERVER,
  unreachableKubeConfig,
  unreachableKubeconfigFile,
} from "./_unreachable.ts";
import { startStubApi, status, stubKubeConfig } from "../kube/_stub_api.ts";

const WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 1\n";

/** Runs with a config that points nowhere; returns the result and every event. */
async function runCollect(
  options: Omit<RunOptions, "onEvent">,
): Promise<{ result: ResultEvent; events: RunEvent[] }> {
  const events: RunEvent[] = [];
  const result = await run({
    kubeConfig: unreachableKubeConfig(),
    ...options,
    onEvent: (e) => events.push(e),
  });
  assert.equal(events.at(-1), result, "the result is the last event");
  assert.equal(events.filter((e) => e.type === "result").length, 1, "one result event");
  return { result, events };
}

Deno.test("run: bad input resolves to an Error result with exit code 2, before any cluster access", async () => {
  const cases: Array<[string, Omit<RunOptions, "onEvent">, RegExp]> = [
    [
      "bad YAML body names the line",
      { source: { body: "apiVersion: batch/v1\nkind: Job\nspec: [\n" } },
      /^body: YAML document 1: line \d+, column \d+: /,
    ],
    [
      "unknown kind of the first resource",
      { source: { body: WIDGET } },
      /^no state rule for example\.com\/v1 Widget \(Widget\/w[^)]*, the tracked resource\); pass a rules file/,
    ],
    [
      "--reattach without identity labels",
      { source: { image: "busybox" }, reattach: true },
      /^--reattach needs identity labels \(--identity-label KEY=VALUE\)/,
    ],
    [
      "--reattach with an empty identity",
      { source: { image: "busybox" }, reattach: true, identityLabels: {} },
      /^--reattach needs identity labels/,
    ],
    [
      "missing kubeconfig file",
      {
        source: { image: "busybox" },
        kubeConfig: undefined,
        kubeconfig: "/nonexistent/kjo/kubeconfig",
      },
      /\/nonexistent\/kjo\/kubeconfig/,
    ],
  ];
  // A reachable API server that counts requests: bad input must not make any.
  const stub = startStubApi(() => status(500, "InternalError", "no request expected"));
  try {
    for (const [name, options, message] of cases) {
      const { result, events } = await runCollect({
        runId: "testrun00001",
        kubeConfig: stubKubeConfig(stub.port),
        ...options,
      });
      assert.equal(result.type, "result", name);
      assert.equal(result.state, "Error", name);
      assert.equal(result.exitCode, ExitCode.BadInput, name);
      assert.equal(result.reason, "InputError", name);
      assert.match(result.message ?? "", message, name);
      assert.equal(result.message?.includes("\n"), false, `${name}: one-line message`);
      assert.equal(result.runId, "testrun00001", name);
      assert.deepEqual(result.resources, [], name);
      assert.deepEqual(result.xcom, {}, name);
      assert.deepEqual(events.map((e) => e.type), ["result"], `${name}: nothing was announced`);
      assert.deepEqual(
        stub.requests.map((r) => `${r.method} ${r.path}`),
        [],
        `${name}: no cluster access`,
      );
    }
  } finally {
    await stub.close();
  }
});

Deno.test("run: a new random run id when none is given", async () => {
  const a = await run({ source: { body: "kind: [" }, kubeConfig: unreachableKubeConfig() });
  const b = await run({ source: { body: "kind: [" }, kubeConfig: unreachableKubeConfig() });
  assert.match(a.runId ?? "", /^[a-z0-9]{12}$/);
  assert.notEqual(a.runId, b.runId);
});

Deno.test("run: an already aborted signal ends Interrupted (143 for SIGTERM, 130 for SIGINT) before creating anything", async () => {
  for (const [reason, exitCode] of [["SIGTERM", 143], ["SIGINT", 130]] as const) {
    const controller = new AbortController();
    controller.abort(reason);
    const { result, events } = await runCollect({
      source: { image: "busybox" },
      signal: controller.signal,
    });
    assert.equal(result.state, "Interrupted", reason);
    assert.equal(result.exitCode, exitCode, reason);
    assert.equal(result.reason, reason);
    assert.equal(result.namespace, "jobs", "the context's namespace");
    assert.deepEqual(result.resources, []);
    assert.deepEqual(events.map((e) => e.type), ["result"], reason);
  }
});

// Each unreachable run takes 2-4 s: the dry-run POST is retried 4 times with
// 125..2000 ms back-off, and RunOptions cannot lower the client's retries. The
// two cases run concurrently to pay that once.
Deno.test("run: an unreachable cluster is exit 3 with a ClusterError message (kubeConfig object and file)", async () => {
  const kubeconfig = await unreachableKubeconfigFile();
  try {
    const started = performance.now();
    const [object, file] = await Promise.all([
      runCollect({ source: { image: "busybox", command: ["true"] }, runId: "testrun00002" }),
      runCollect({
        source: { image: "busybox" },
        kubeConfig: undefined,
        kubeconfig,
        namespace: "other",
      }),
    ]);
    const elapsed = performance.now() - started;
    for (
      const [name, { result, events }, namespace] of [["object", object, "jobs"], [
        "file",
        file,
        "other",
      ]] as const
    ) {
      assert.equal(result.state, "Error", name);
      assert.equal(result.exitCode, ExitCode.Infrastructure, name);
      // ConnectionError is the ClusterError subclass for unreachable servers.
      assert.equal(result.reason, "ConnectionError", name);
      assert.match(
        result.message ?? "",
        new RegExp(`^cannot reach the Kubernetes API at ${UNREACHABLE_SERVER}: .*ECONNREFUSED`),
        name,
      );
      assert.deepEqual(result.resources, [], name);
      assert.deepEqual(events.map((e) => e.type), ["info", "result"], name);
      const info = events[0] as Extract<RunEvent, { type: "info" }>;
      assert.match(
        info.message,
        new RegExp(`^run ${result.runId}: creating Job/\\S+ in namespace ${namespace}$`),
        name,
      );
    }
    assert.equal(object.result.runId, "testrun00002");
    assert.ok(elapsed < 10_000, `took ${Math.round(elapsed)} ms`);
  } finally {
    await Deno.remove(kubeconfig.replace(/\/kubeconfig$/, ""), { recursive: true });
  }
});

Deno.test("run: SIGTERM while a create is in flight: the object it made is found by the run's label and deleted; exit 143", async () => {
  for (const inFlight of ["pods", "configmaps"]) {
    const cluster = new FakeCluster();
    const stop = new AbortController();
    cluster.intercept = async (req) => {
      if (req.method !== "POST" || req.query.get("dryRun") || !req.path.endsWith(`/${inFlight}`)) {
        return undefined;
      }
      // The server creates the object, but kjo is stopped before the answer comes.
      cluster.create(inFlight, req.body as KubeObject);
      stop.abort("SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 300));
      return status(500, "InternalError", "answer too late");
    };
    try {
      const { result, events } = await runCollect({
        kubeConfig: stubKubeConfig(cluster.stub.port),
        runId: "testrun00004",
        signal: stop.signal,
        source: {
          body: [
            {
              apiVersion: "v1",
              kind: "Pod",
              metadata: { name: "work" },
              spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox" }] },
            },
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" }, data: { a: "1" } },
          ],
        },
      });
      assert.equal(result.state, "Interrupted", inFlight);
      assert.equal(result.exitCode, 143, inFlight);
      assert.deepEqual(cluster.objects, [], `${inFlight}: nothing is left`);
      const statuses = events.filter((e) => e.type === "status").map((e) =>
        `${e.resource.split("-")[0]} ${e.state}`
      );
      const deletes = cluster.stub.requests.filter((r) => r.method === "DELETE").map((r) =>
        r.path.replace(/-[a-z0-9]+$/, "")
      );
      // The sweep listed the kinds whose create was sent, by the run's label.
      const listed = cluster.stub.requests.filter((r) =>
        r.method === "GET" && r.path === `/api/v1/namespaces/ns/${inFlight}`
      );
      assert.ok(
        listed.length > 0 &&
          listed.every((r) => r.query.get("labelSelector") === "kjo/run-id=testrun00004"),
        inFlight,
      );
      if (inFlight === "pods") {
        // The first object was in flight: only the sweep can find it.
        assert.match(result.message ?? "", /^interrupted by SIGTERM; deleted Pod\/work-\S+$/);
        assert.deepEqual(deletes, ["/api/v1/namespaces/ns/pods/work"]);
        assert.deepEqual(statuses, ["Pod/work Deleted"]);
      } else {
        // The ConfigMap was in flight; it is owned by the Pod and went with it
        // (garbage collector) before the sweep saw it.
        assert.match(result.message ?? "", /^interrupted by SIGTERM; deleted Pod\/work-\S+$/);
        assert.deepEqual(deletes, ["/api/v1/namespaces/ns/pods/work"]);
        assert.deepEqual(statuses, ["Pod/work Created", "Pod/work Deleted"]);
      }
    } finally {
      await cluster.close();
    }
  }
});

Deno.test("run: SIGTERM during the dry run ends Interrupted (143), nothing created, nothing deleted", async () => {
  const cluster = new FakeCluster();
  const stop = new AbortController();
  cluster.intercept = async (req) => {
    if (req.method !== "POST") return undefined;
    stop.abort("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 200));
    return status(500, "InternalError", "answer too late");
  };
  try {
    const { result } = await runCollect({
      kubeConfig: stubKubeConfig(cluster.stub.port),
      signal: stop.signal,
      source: { image: "busybox", command: ["true"] },
    });
    assert.equal(result.exitCode, 143);
    assert.equal(result.message, "interrupted by SIGTERM; nothing was created");
    assert.equal(cluster.stub.requests.filter((r) => r.method === "DELETE").length, 0);
  } finally {
    await cluster.close();
  }
});
