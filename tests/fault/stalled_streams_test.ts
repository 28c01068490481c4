// Every open stream is stalled by the proxy for 60 s (bytes stop, the TCP
// connections stay open) while kjo runs with --stall-timeout 10: kjo notices
// the silence, reconnects on new connections, and relays every number once.
import assert from "node:assert/strict";
import { useTestNamespace } from "../integration/_cluster.ts";
import { resultOf } from "../integration/_kjo.ts";
import {
  clusterTestOptions,
  describeOutcome,
  infoEvents,
  logLines,
  numberedScript,
  report,
  resultLag,
  secondsSince,
  sleepMs,
  startApiProxy,
  startKjoWith,
  tally,
  waitForRunningPod,
} from "./_fault_helpers.ts";

const LINES = 5_000; // about 50 s at 100 lines a second
const STALL_MS = 60_000;
const STALL_TIMEOUT_S = 10;

Deno.test({
  name:
    "fault: streams stalled for 60 s with --stall-timeout 10: detected, reconnected, each line once",
  ...clusterTestOptions,
  async fn() {
    const cluster = await useTestNamespace("kjo-fault-stall");
    const api = await startApiProxy();
    try {
      const started = Date.now();
      const { outcome } = startKjoWith(api.kubeconfig, [
        "run",
        "-n",
        cluster.namespace,
        "-o",
        "jsonl",
        "--stall-timeout",
        String(STALL_TIMEOUT_S),
        "--image",
        "busybox",
        "--",
        "sh",
        "-c",
        numberedScript(LINES),
      ], 300_000);
      await waitForRunningPod(cluster);
      await sleepMs(6_000); // the log follow is open and busy
      const stallAt = Date.now();
      const stalled = api.proxy.stall(STALL_MS);
      const out = await outcome;
      const result = out.events.at(-1)?.type === "result" ? resultOf(out.events) : undefined;
      const t = tally(logLines(out.events), LINES);
      const after = (pattern: RegExp) =>
        infoEvents(out.events, pattern).find((e) => e.ms >= stallAt);
      const logStall = after(/^log of .*: stall/);
      const watchStall = after(/^watch of .*: stall/);
      const anyReconnect = after(/^(log|watch) of .*: (stall|error|closed)/);
      const seconds = (
        e?: { ms: number },
      ) => (e ? `${((e.ms - stallAt) / 1000).toFixed(1)} s` : "none");
      report(
        "streams stalled 60 s, --stall-timeout 10",
        t,
        result?.stats as unknown as Record<string, number>,
        {
          "connections stalled": stalled,
          "first reconnect after stall start": seconds(anyReconnect),
          "log stall detected after": seconds(logStall),
          "watch stall detected after": seconds(watchStall),
          "result after last line": resultLag(out.events),
          duration: secondsSince(started),
        },
      );
      assert.ok(stalled >= 2, `only ${stalled} connections were open to stall`);
      assert.equal(out.code, 0, describeOutcome(out));
      assert.equal(result?.state, "Succeeded");
      assert.equal(t.lost, 0, `lost lines: ${t.firstProblem}`);
      assert.equal(t.duplicated, 0, `duplicated lines: ${t.firstProblem}`);
      assert.ok(t.exact, t.firstProblem ?? "");
      assert.ok((result?.stats?.logStalls ?? 0) > 0, JSON.stringify(result?.stats));
      assert.ok((result?.stats?.watchStalls ?? 0) > 0, JSON.stringify(result?.stats));
      // Detected by the stall timer (10 s of silence), long before the stall ends.
      assert.ok(logStall, "no log stall reported after the stall started");
      assert.ok(logStall.ms - stallAt < (STALL_TIMEOUT_S + 15) * 1000, seconds(logStall));
      assert.ok(watchStall, "no watch stall reported after the stall started");
      assert.ok(watchStall.ms - stallAt < (STALL_TIMEOUT_S + 15) * 1000, seconds(watchStall));
    } finally {
      await api.close();
      await cluster.dispose();
    }
  },
});
