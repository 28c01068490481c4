// kjo serve on the local cluster: many runs started detached, followed by one
// process with shared watches; detach, cleanup, end of stdin and SIGTERM.
import assert from "node:assert/strict";
import { run } from "../../../src/runner/run.ts";
import { kubeconfigPath, namespaceTests, useTestNamespace, waitFor } from "../_cluster.ts";
import { startServe } from "../_serve.ts";

const cluster = await useTestNamespace("kjo-serve");
const ns = cluster.namespace;
const test = namespaceTests("kjo serve (integration)", cluster);

async function submit(script: string, kind: "Job" | "Pod" = "Job"): Promise<string> {
  const result = await run({
    kubeconfig: kubeconfigPath,
    namespace: ns,
    detach: true,
    source: { image: "busybox", command: ["sh", "-c", script], kind },
  });
  assert.equal(result.state, "Submitted", String(result.message));
  return result.runId!;
}

async function jobsOf(runId: string) {
  return (await cluster.batch.listNamespacedJob({
    namespace: ns,
    labelSelector: `kjo/run-id=${runId}`,
  })).items;
}

const lines = (k: number) =>
  `i=1; while [ $i -le 5 ]; do echo "run ${k} line $i"; i=$((i+1)); sleep 0.2; done`;

test("kjo serve follows 17 runs at once (Jobs and a Pod): each its own result, logs once when asked, detach keeps, cleanup deletes", async () => {
  const scripts: { script: string; logs: boolean; expect: string }[] = [];
  for (let k = 0; k < 8; k++) {
    scripts.push({ script: lines(k), logs: k % 2 === 0, expect: "Succeeded" });
  }
  for (let k = 8; k < 10; k++) {
    scripts.push({ script: `echo "run ${k} fails"; exit 3`, logs: true, expect: "Failed" });
  }
  for (let k = 10; k < 12; k++) {
    scripts.push({ script: `echo '::kube_api:xcom={"n":${k}}'`, logs: true, expect: "Succeeded" });
  }
  for (let k = 12; k < 14; k++) {
    scripts.push({ script: "sleep 600", logs: true, expect: "Detached" });
  }
  const runIds: string[] = [];
  for (let i = 0; i < scripts.length; i += 4) {
    runIds.push(...await Promise.all(scripts.slice(i, i + 4).map((s) => submit(s.script))));
  }
  const podRun = await submit(lines(99), "Pod"); // the tracked resource is a Pod
  const sleeper = await submit("sleep 600"); // followed until stdin ends
  const doomed = await submit("sleep 600"); // deleted by a cleanup request

  const serve = startServe(["-n", ns]);
  try {
    for (const [k, runId] of runIds.entries()) {
      await serve.send({ op: "follow", id: k, runId, logs: scripts[k].logs });
    }
    await serve.send({ op: "follow", id: "pod", runId: podRun });
    await serve.send({ op: "follow", id: "sleeper", runId: sleeper });
    await serve.send("this is not json");
    await serve.send({ op: "ping", id: "p" });
    await waitFor(
      "results of the finite runs",
      300_000,
      () => runIds.slice(0, 12).every((_, k) => serve.resultOf(k)) && serve.resultOf("pod"),
    );
    await waitFor(
      "the sleepers running",
      60_000,
      async () =>
        (await Promise.all([runIds[12], runIds[13]].map(jobsOf))).every((jobs) =>
          jobs[0]?.status?.active === 1
        ),
    );
    await serve.send({ op: "detach", id: 12 });
    await serve.send({ op: "detach", id: 13 });
    await serve.send({ op: "cleanup", id: "c", runId: doomed });
    await waitFor(
      "detach and cleanup results",
      90_000,
      () => serve.resultOf(12) && serve.resultOf(13) && serve.resultOf("c"),
    );

    for (const [k, s] of scripts.entries()) {
      const result = serve.resultOf(k)!;
      assert.equal(result.state, s.expect, `run ${k}: ${JSON.stringify(result)}`);
      assert.equal(result.runId, runIds[k]);
      assert.equal(serve.of(k).at(-1), result, `run ${k}: the result is the last event of its id`);
      const logLines = serve.of(k).filter((l) => l.type === "log").map((l) =>
        (l as { line: string }).line
      );
      if (!s.logs) assert.deepEqual(logLines, [], `run ${k} asked for no logs`);
      else if (k < 8) {
        assert.deepEqual(logLines, [1, 2, 3, 4, 5].map((i) => `run ${k} line ${i}`), `run ${k}`);
      } else if (k < 10) assert.deepEqual(logLines, [`run ${k} fails`]);
    }
    assert.equal(serve.resultOf("pod")!.state, "Succeeded");
    assert.deepEqual(
      serve.of("pod").flatMap((l) => l.type === "log" ? [l.line] : []),
      [1, 2, 3, 4, 5].map((i) => `run 99 line ${i}`),
    );
    assert.deepEqual(serve.resultOf(10)!.xcom, { n: 10 });
    assert.deepEqual(serve.resultOf(11)!.xcom, { n: 11 });
    assert.equal(serve.resultOf(8)!.exitCode, 1);
    // Delete policy IfSucceeded: succeeded runs are gone, failed ones kept.
    assert.equal((await jobsOf(runIds[0])).length, 0);
    assert.equal((await jobsOf(runIds[8])).length, 1);
    // Detached runs go on; the cleaned-up one is gone.
    assert.equal((await jobsOf(runIds[12])).length, 1);
    assert.equal((await jobsOf(runIds[13])).length, 1);
    assert.equal(serve.resultOf("c")!.state, "Deleted");
    assert.equal((await jobsOf(doomed)).length, 0);

    const errors = serve.lines.filter((l) => l.type === ("error" as string));
    assert.equal(errors.length, 1);
    assert.match(errors[0].message!, /^not JSON/);
    const pong = serve.lines.find((l) => l.type === ("pong" as string)) as unknown as {
      id: string;
      follows: number;
    };
    assert.equal(pong.id, "p");
    assert.equal(pong.follows, 16);

    await serve.end();
    const { code, stderr } = await serve.done();
    assert.equal(code, 0, stderr);
    assert.equal(serve.resultOf("sleeper")!.state, "Detached");
    assert.equal((await jobsOf(sleeper)).length, 1, "end of stdin deletes nothing");
  } finally {
    try {
      serve.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
});

test("kjo serve: SIGTERM detaches every follow and exits 0 without deleting", async () => {
  const runId = await submit("sleep 600");
  const serve = startServe(["-n", ns]);
  try {
    await serve.send({ op: "follow", id: "t", runId, deletePolicy: "Always" });
    await waitFor("following", 60_000, () => serve.of("t").some((l) => l.type === "status"));
    serve.child.kill("SIGTERM");
    const { code, stderr } = await serve.done();
    assert.equal(code, 0, stderr);
    assert.equal(serve.resultOf("t")!.state, "Detached");
    assert.equal((await jobsOf(runId)).length, 1);
  } finally {
    try {
      serve.child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
});
