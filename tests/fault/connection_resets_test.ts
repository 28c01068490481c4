// A 3-minute job printing 100 numbered lines a second while a proxy between
// kjo and the API server resets every connection every 7 s: the run succeeds
// and every number is relayed exactly once, in order.
import assert from "node:assert/strict";
import { useTestNamespace } from "../integration/_cluster.ts";
import { resultOf } from "../integration/_kjo.ts";
import {
  clusterTestOptions,
  describeOutcome,
  logLines,
  numberedRunArgs,
  report,
  resultLag,
  secondsSince,
  startApiProxy,
  startKjoWith,
  tally,
} from "./_fault_helpers.ts";

const LINES = 18_000; // 3 minutes at 100 lines a second
const RESET_EVERY_MS = 7_000;

Deno.test({
  name:
    "fault: every connection reset every 7 s during a 3-minute job: each line relayed once, in order",
  ...clusterTestOptions,
  async fn() {
    const cluster = await useTestNamespace("kjo-fault-resets");
    const api = await startApiProxy();
    try {
      const started = Date.now();
      const { outcome } = startKjoWith(
        api.kubeconfig,
        numberedRunArgs(cluster.namespace, LINES),
        480_000,
      );
      const cancel = api.proxy.every(RESET_EVERY_MS, () => api.proxy.resetAll());
      const out = await outcome;
      cancel();
      const result = out.events.at(-1)?.type === "result" ? resultOf(out.events) : undefined;
      const t = tally(logLines(out.events), LINES);
      report(
        "resets every 7 s (3 min job)",
        t,
        result?.stats as unknown as Record<string, number>,
        {
          "proxy connections": api.proxy.counters.opened,
          "connections reset": api.proxy.counters.resets,
          "result after last line": resultLag(out.events),
          duration: secondsSince(started),
        },
      );
      assert.equal(out.code, 0, describeOutcome(out));
      assert.equal(result?.state, "Succeeded");
      assert.equal(t.lost, 0, `lost lines: ${t.firstProblem}`);
      assert.equal(t.duplicated, 0, `duplicated lines: ${t.firstProblem}`);
      assert.ok(t.exact, t.firstProblem ?? "");
      // The faults did hit kjo's streams.
      assert.ok(api.proxy.counters.resets >= 20, `only ${api.proxy.counters.resets} resets`);
      assert.ok((result?.stats?.logReconnects ?? 0) >= 10, JSON.stringify(result?.stats));
      assert.ok((result?.stats?.watchReconnects ?? 0) >= 10, JSON.stringify(result?.stats));
    } finally {
      await api.close();
      await cluster.dispose();
    }
  },
});
