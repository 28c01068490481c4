// kjo dies (SIGKILL) in the middle of a run: `kjo attach` follows the run to
// its end and relays the whole log once; and a killed run whose first
// resource is deleted is garbage-collected through kjo's ownerReferences.
import assert from "node:assert/strict";
import { useTestNamespace, waitFor } from "../integration/_cluster.ts";
import { resultOf } from "../integration/_kjo.ts";
import type { RunEvent } from "../../src/output/run_event.ts";
import {
  clusterTestOptions,
  describeOutcome,
  labelled,
  logLines,
  numberedRunArgs,
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

const RUN_ID_LABEL = "kjo/run-id";

/** The run id the first info event names (`run <id>: creating ...`), if the killed process got that far. */
function runIdFromEvents(events: RunEvent[]): string | undefined {
  for (const e of events) {
    const m = e.type === "info" ? /^run (\S+): creating /.exec(e.message) : null;
    if (m) return m[1];
  }
  return undefined;
}

/** The events a killed kjo wrote, tolerating a last line cut off by the kill. */
async function eventsOfKilled(outcome: Promise<{ stdout: string }>): Promise<RunEvent[]> {
  const out = await outcome.catch((error) => ({ stdout: String(error?.stdout ?? "") }));
  const events: RunEvent[] = [];
  for (const line of out.stdout.split("\n")) {
    try {
      if (line.trim()) events.push(JSON.parse(line));
    } catch { /* cut off */ }
  }
  return events;
}

Deno.test({
  name:
    "fault: kjo killed with SIGKILL mid-run, then kjo attach: the run completes, every line relayed once from the start",
  ...clusterTestOptions,
  async fn() {
    const LINES = 3_000; // about 30 s
    const cluster = await useTestNamespace("kjo-fault-attach");
    const api = await startApiProxy();
    try {
      const started = Date.now();
      const first = startKjoWith(
        api.kubeconfig,
        numberedRunArgs(cluster.namespace, LINES),
        120_000,
      );
      const pod = await waitForRunningPod(cluster);
      await sleepMs(5_000);
      first.child.kill("SIGKILL");
      const killedEvents = await eventsOfKilled(first.outcome);
      const killedLines = logLines(killedEvents).length;
      const runId = pod.runId;
      assert.ok(runId, `pod ${pod.name} has no ${RUN_ID_LABEL} label`);
      const announced = runIdFromEvents(killedEvents);
      if (announced !== undefined) assert.equal(announced, runId);
      assert.ok(
        (await labelled(cluster, `${RUN_ID_LABEL}=${runId}`)).some((name) =>
          name.startsWith("Job/")
        ),
        "the Job is gone after kjo was killed",
      );

      const attachStarted = Date.now();
      const { outcome } = startKjoWith(api.kubeconfig, [
        "attach",
        "--run-id",
        runId,
        "-n",
        cluster.namespace,
        "-o",
        "jsonl",
      ], 180_000);
      const out = await outcome;
      const result = out.events.at(-1)?.type === "result" ? resultOf(out.events) : undefined;
      const t = tally(logLines(out.events), LINES);
      let cleanedIn = "not";
      try {
        const since = Date.now();
        await waitFor(
          `nothing labelled ${RUN_ID_LABEL}=${runId}`,
          60_000,
          async () => (await labelled(cluster, `${RUN_ID_LABEL}=${runId}`)).length === 0,
        );
        cleanedIn = secondsSince(since);
      } catch { /* asserted below */ }
      report(
        "kjo SIGKILLed, then kjo attach",
        t,
        result?.stats as unknown as Record<string, number>,
        {
          "lines relayed before the kill": killedLines,
          "run id": `${runId}${announced ? " (= first info event)" : ""}`,
          "result after last line": resultLag(out.events),
          "attach took": secondsSince(attachStarted),
          "resources gone after result": cleanedIn,
          duration: secondsSince(started),
        },
      );
      assert.equal(out.code, 0, describeOutcome(out));
      assert.equal(result?.state, "Succeeded");
      assert.equal(t.lost, 0, `lost lines: ${t.firstProblem}`);
      assert.equal(t.duplicated, 0, `duplicated lines: ${t.firstProblem}`);
      assert.ok(t.exact, t.firstProblem ?? "");
      assert.notEqual(
        cleanedIn,
        "not",
        `resources left: ${await labelled(cluster, `${RUN_ID_LABEL}=${runId}`)}`,
      );
    } finally {
      await api.close();
      await cluster.dispose();
    }
  },
});

Deno.test({
  name:
    "fault: kjo killed with SIGKILL, then its first resource deleted: garbage collection removes the rest",
  ...clusterTestOptions,
  async fn() {
    const cluster = await useTestNamespace("kjo-fault-gc");
    const api = await startApiProxy();
    try {
      const started = Date.now();
      const body = [
        {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: "orphan" },
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels: { app: "orphan" } },
              spec: {
                restartPolicy: "Never",
                terminationGracePeriodSeconds: 5,
                containers: [{
                  name: "main",
                  image: "busybox",
                  command: ["sh", "-c", numberedScript(30_000)],
                }],
              },
            },
          },
        },
        {
          apiVersion: "v1",
          kind: "ConfigMap",
          metadata: { name: "orphan-config" },
          data: { a: "1" },
        },
        {
          apiVersion: "v1",
          kind: "Service",
          metadata: { name: "orphan-svc" },
          spec: { selector: { app: "orphan" }, ports: [{ port: 8080, targetPort: 8080 }] },
        },
      ];
      const first = startKjoWith(api.kubeconfig, [
        "run",
        "-n",
        cluster.namespace,
        "-o",
        "jsonl",
        "--body",
        JSON.stringify(body),
      ], 120_000);
      const pod = await waitForRunningPod(cluster);
      const runId = pod.runId;
      const selector = `${RUN_ID_LABEL}=${runId}`;
      const namespace = cluster.namespace;
      const [job, cm, svc] = await waitFor(
        `the Job, ConfigMap and Service of ${runId}`,
        30_000,
        async () => {
          const found = [
            (await cluster.batch.listNamespacedJob({ namespace, labelSelector: selector }))
              .items[0],
            (await cluster.core.listNamespacedConfigMap({ namespace, labelSelector: selector }))
              .items[0],
            (await cluster.core.listNamespacedService({ namespace, labelSelector: selector }))
              .items[0],
          ] as const;
          return found.every(Boolean) && found;
        },
      );
      for (const dependent of [cm, svc]) {
        assert.ok(
          dependent.metadata?.ownerReferences?.some((ref) =>
            ref.uid === job.metadata?.uid && ref.kind === "Job"
          ),
          `${dependent.metadata?.name} has no ownerReference to the Job: ${
            JSON.stringify(dependent.metadata?.ownerReferences)
          }`,
        );
      }
      first.child.kill("SIGKILL");
      await eventsOfKilled(first.outcome);
      const before = await labelled(cluster, selector);

      const deletedAt = Date.now();
      await cluster.batch.deleteNamespacedJob({
        name: job.metadata!.name!,
        namespace: cluster.namespace,
        propagationPolicy: "Background",
      });
      let left: string[] = before;
      let goneIn = "not within 60 s";
      try {
        await waitFor(`nothing labelled ${selector}`, 60_000, async () => {
          left = await labelled(cluster, selector);
          return left.length === 0;
        });
        goneIn = secondsSince(deletedAt);
      } catch { /* asserted below */ }
      report("kjo SIGKILLed, first resource deleted (Background)", undefined, undefined, {
        "resources before": before.join(", "),
        "all gone after": goneIn,
        left: left.length ? left.join(", ") : "nothing",
        duration: secondsSince(started),
      });
      assert.deepEqual(left, [], `left after 60 s: ${left.join(", ")}`);
    } finally {
      await api.close();
      await cluster.dispose();
    }
  },
});
