// Six runs printing 6000 numbered lines, followed by one `kjo serve` through a
// proxy that resets every connection every 4 s: the shared watches and each
// run's log follows resume; every run succeeds, every line is relayed
// exactly once per run, and no Kubernetes event twice.
import assert from "node:assert/strict";
import { useTestNamespace, waitFor } from "../integration/_cluster.ts";
import { startServe } from "../integration/_serve.ts";
import { run } from "../../src/runner/run.ts";
import { kubeconfigPath } from "../integration/_cluster.ts";
import {
  clusterTestOptions,
  numberedScript,
  report,
  secondsSince,
  startApiProxy,
  tally,
} from "./_fault_helpers.ts";

const RUNS = 6;
const LINES = 6_000; // about 60 s at 100 lines a second
const RESET_EVERY_MS = 4_000;

Deno.test({
  name: "fault: kjo serve with 6 runs, every connection reset every 4 s: each line once per run",
  ...clusterTestOptions,
  async fn() {
    const cluster = await useTestNamespace("kjo-fault-serve");
    const ns = cluster.namespace;
    const api = await startApiProxy();
    const serve = startServe(["-n", ns, "--stall-timeout", "10"], {
      kubeconfig: api.kubeconfig,
      limitMs: 400_000,
    });
    try {
      const started = Date.now();
      const runIds = await Promise.all(Array.from({ length: RUNS }, async () => {
        const submitted = await run({
          kubeconfig: kubeconfigPath,
          namespace: ns,
          detach: true,
          source: { image: "busybox", command: ["sh", "-c", numberedScript(LINES)] },
        });
        assert.equal(submitted.state, "Submitted", String(submitted.message));
        return submitted.runId!;
      }));
      for (const [k, runId] of runIds.entries()) {
        await serve.send({ op: "follow", id: k, runId, logs: true, deletePolicy: "Always" });
      }
      // Reset once every run's log is being followed (a loaded cluster reports pods running late).
      await waitFor(
        "a log line of every run",
        120_000,
        () => runIds.every((_, k) => serve.of(k).some((l) => l.type === "log")),
      );
      const cancel = api.proxy.every(RESET_EVERY_MS, () => api.proxy.resetAll());
      try {
        await waitFor("every result", 360_000, () => runIds.every((_, k) => serve.resultOf(k)));
      } finally {
        cancel();
      }
      await serve.end();
      const { code, stderr, killed } = await serve.done();

      for (const k of runIds.keys()) {
        const result = serve.resultOf(k)!;
        const lines = serve.of(k).flatMap((l) => l.type === "log" ? [l.line] : []);
        const t = tally(lines, LINES);
        report(`kjo serve, run ${k} of ${RUNS}, resets every 4 s`, t, result.stats as never, {
          "proxy connections": api.proxy.counters.opened,
          "connections reset": api.proxy.counters.resets,
          duration: secondsSince(started),
        });
        assert.equal(result.state, "Succeeded", JSON.stringify(result));
        assert.equal(t.lost, 0, `run ${k}: lost lines: ${t.firstProblem}`);
        assert.equal(t.duplicated, 0, `run ${k}: duplicated lines: ${t.firstProblem}`);
        assert.ok(t.exact, t.firstProblem ?? "");
        const events = serve.of(k).flatMap((l) =>
          l.type === "k8s_event" ? [`${l.object} ${l.reason} ${l.count ?? 1}`] : []
        );
        assert.deepEqual(events, [...new Set(events)], `run ${k}: an event twice`);
        assert.ok(events.some((e) => / Started /.test(e)), `run ${k}: ${events.join("; ")}`);
        // The resets did hit the shared watches this run depends on.
        assert.ok((result.stats?.watchReconnects ?? 0) >= 3, JSON.stringify(result.stats));
      }
      // ... and log streams (counted over every run: a run whose pod the loaded cluster
      // reported running late can read the rest of its log between two resets).
      const logReconnects = runIds.reduce(
        (n, _, k) => n + (serve.resultOf(k)!.stats?.logReconnects ?? 0),
        0,
      );
      assert.ok(logReconnects >= 1, `log reconnects: ${logReconnects}`);
      assert.equal(killed, false, "kjo serve hung");
      assert.equal(code, 0, stderr);
      assert.ok(api.proxy.counters.resets >= 10, `only ${api.proxy.counters.resets} resets`);
    } finally {
      try {
        serve.child.kill("SIGKILL");
      } catch { /* ended */ }
      await api.close();
      await cluster.dispose();
    }
  },
});
