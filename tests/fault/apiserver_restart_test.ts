// The API server is stopped (SIGTERM) for 20 s in the middle of a run and
// started again: kjo waits, reconnects, and relays every number exactly once.
// The API server is always started again, also when the test fails.
import assert from "node:assert/strict";
import { useTestNamespace } from "../integration/_cluster.ts";
import { resultOf } from "../integration/_kjo.ts";
import {
  apiserverPid,
  clusterTestOptions,
  describeOutcome,
  isAlive,
  logLines,
  numberedRunArgs,
  report,
  resultLag,
  secondsSince,
  sleepMs,
  startApiProxy,
  startCluster,
  startKjoWith,
  stopApiserver,
  tally,
  waitForRunningPod,
} from "./_fault_helpers.ts";

const LINES = 8_000; // about 80 s at 100 lines a second
const DOWN_MS = 20_000;

Deno.test({
  name: "fault: the API server down for 20 s mid-run: the run succeeds, each line relayed once",
  ...clusterTestOptions,
  async fn() {
    const cluster = await useTestNamespace("kjo-fault-apiserver");
    const api = await startApiProxy();
    let stopping = false;
    try {
      const started = Date.now();
      const { outcome, child } = startKjoWith(
        api.kubeconfig,
        numberedRunArgs(cluster.namespace, LINES),
        300_000,
      );
      let out;
      try {
        await waitForRunningPod(cluster);
        await sleepMs(12_000);
        stopping = true;
        const stop = await stopApiserver(5_000);
        await sleepMs(DOWN_MS - (Date.now() - stop.signalledAt));
        const restartAt = Date.now();
        await startCluster();
        stopping = false;
        const downFor = secondsSince(stop.signalledAt);
        const restartTook = secondsSince(restartAt);
        out = await outcome;
        const result = out.events.at(-1)?.type === "result" ? resultOf(out.events) : undefined;
        const t = tally(logLines(out.events), LINES);
        report("API server down 20 s", t, result?.stats as unknown as Record<string, number>, {
          "API server unavailable (SIGTERM to ready)": downFor,
          "exited on SIGTERM within 5 s": stop.exitedBySelf ? "yes" : "no (SIGKILL)",
          "restart took": restartTook,
          "proxy connections": api.proxy.counters.opened,
          "refused upstream": api.proxy.counters.upstreamFailures,
          "result after last line": resultLag(out.events),
          duration: secondsSince(started),
        });
        assert.equal(out.code, 0, describeOutcome(out));
        assert.equal(result?.state, "Succeeded");
        assert.equal(t.lost, 0, `lost lines: ${t.firstProblem}`);
        assert.equal(t.duplicated, 0, `duplicated lines: ${t.firstProblem}`);
        assert.ok(t.exact, t.firstProblem ?? "");
        assert.ok(
          api.proxy.counters.upstreamFailures > 0,
          "kjo never tried while the API server was down",
        );
        assert.ok((result?.stats?.logReconnects ?? 0) > 0, JSON.stringify(result?.stats));
        assert.ok((result?.stats?.watchReconnects ?? 0) > 0, JSON.stringify(result?.stats));
      } finally {
        if (!out) {
          try {
            child.kill("SIGKILL");
          } catch { /* ended */ }
          await outcome.catch(() => undefined);
        }
      }
    } finally {
      // Whatever happened: the API server must run again before anything else.
      try {
        if (stopping || !isAlive(await apiserverPid().catch(() => 0))) await startCluster();
      } finally {
        await api.close();
        await cluster.dispose();
      }
    }
  },
});
