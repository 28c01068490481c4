// kjo's resumable watch through the fault proxy, resets every 3 s while the
// watched collection changes: a stream that was healthy (open over a second,
// delivering events) and then broke is resumed at once, like a log follow is;
// the error back-off is for failures in a row, not for every break.
import assert from "node:assert/strict";
import * as k8s from "@kubernetes/client-node";
import { useTestNamespace } from "../integration/_cluster.ts";
import { createKubeClient } from "../../src/kube/kube_client.ts";
import { type WatchReconnect, watchResources } from "../../src/kube/resumable_watch.ts";
import { clusterTestOptions, report, sleepMs, startApiProxy } from "./_fault_helpers.ts";

const RESET_EVERY_MS = 3_000;
const RUN_MS = 25_000;
/** backoffDelay(1) is at most 400 ms; anything near a second means the back-off kept growing. */
const MAX_DELAY_AFTER_HEALTHY_MS = 1_000;

Deno.test({
  name:
    "fault: a watch whose healthy streams keep being reset resumes at once (back-off does not grow)",
  ...clusterTestOptions,
  async fn() {
    const cluster = await useTestNamespace("kjo-fault-watch");
    const api = await startApiProxy();
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfig);
    const client = createKubeClient(kc);
    const stop = new AbortController();
    try {
      const eventTimes: number[] = [];
      const reconnects: (WatchReconnect & { at: number })[] = [];
      const watchStarted = Date.now();
      const watch = watchResources({
        client,
        path: "/api/v1/configmaps",
        namespace: cluster.namespace,
        labelSelector: "fault=watch",
        signal: stop.signal,
        stallTimeoutMs: 30_000,
        onEvent: (_type, _object, info) => {
          if (!info.fromList) eventTimes.push(Date.now());
        },
        onReconnect: (r) => reconnects.push({ ...r, at: Date.now() }),
      });
      // The collection changes all the time, so every stream delivers events.
      let created = 0;
      const changer = setInterval(() => {
        cluster.core.createNamespacedConfigMap({
          namespace: cluster.namespace,
          body: {
            metadata: { name: `c${created++}`, labels: { fault: "watch" } },
            data: { a: "1" },
          },
        }).catch(() => {});
      }, 250);
      const cancel = api.proxy.every(RESET_EVERY_MS, () => api.proxy.resetAll());
      await sleepMs(RUN_MS);
      cancel();
      clearInterval(changer);
      stop.abort();
      await watch;

      // Each stream runs from the end of the previous reconnect's delay to the next reconnect.
      const afterHealthy: { delayMs: number; streamMs: number; events: number }[] = [];
      let start = watchStarted;
      for (const r of reconnects) {
        const events = eventTimes.filter((t) => t >= start && t <= r.at).length;
        const streamMs = r.at - start;
        if (r.reason === "error" && events > 0 && streamMs >= 1_000) {
          afterHealthy.push({ delayMs: r.delayMs, streamMs, events });
        }
        start = r.at + r.delayMs;
      }
      const delays = reconnects.filter((r) => r.reason === "error").map((r) => r.delayMs);
      report("watch, healthy streams reset every 3 s", undefined, undefined, {
        resets: api.proxy.counters.resets,
        "watch events": eventTimes.length,
        "error reconnects": delays.length,
        "their delays (ms)": delays.join(" "),
        "max delay after a healthy stream (ms)": Math.max(0, ...afterHealthy.map((h) => h.delayMs)),
      });
      assert.ok(afterHealthy.length >= 4, `only ${afterHealthy.length} healthy streams were reset`);
      const slow = afterHealthy.filter((h) => h.delayMs > MAX_DELAY_AFTER_HEALTHY_MS);
      assert.deepEqual(
        slow,
        [],
        "after a stream that was open over a second and delivered events broke, the watch waited " +
          "like after failures in a row (resumable_watch.ts never resets its failure count when a " +
          "stream ends with an error)",
      );
    } finally {
      stop.abort();
      client.close();
      await api.close();
      await cluster.dispose();
    }
  },
});
