import assert from "node:assert/strict";
import { PodCache, type PodLike } from "../../../src/runner/_pod_cache.ts";
import {
  type FollowContainer,
  PodLogRelay,
  type RelayedLine,
} from "../../../src/runner/_pod_log_relay.ts";

type Status = NonNullable<NonNullable<PodLike["status"]>["containerStatuses"]>[number];

const RUNNING = { running: { startedAt: "2026-11-29T10:00:00Z" } };
const EXIT0 = { terminated: { exitCode: 0, reason: "Completed" } };
const WAITING = { waiting: { reason: "ContainerCreating" } };

function pod(
  name: string,
  statuses: Status[],
  extra: { init?: Status[]; phase?: string; policy?: string } = {},
): PodLike {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name },
    spec: { restartPolicy: extra.policy ?? "Never" },
    status: {
      phase: extra.phase ?? "Running",
      ...(extra.init ? { initContainerStatuses: extra.init } : {}),
      containerStatuses: statuses,
    },
  };
}

/** One call of the fake follow function, controllable by the test. */
interface Follower {
  pod: string;
  container: string;
  signal: AbortSignal;
  line: (text: string, ts?: string) => void;
  isContainerDone: () => boolean;
  finish: () => void;
  fail: (error: unknown) => void;
  ended: Promise<"finished" | "aborted" | "failed">;
}

/**
 * A fake follow: each call is recorded and ends when the test says so, or
 * when its signal aborts (rejecting, like a real follow would).
 */
function fakeFollow() {
  const calls: Follower[] = [];
  const follow: FollowContainer = (request) => {
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    let outcome: (how: "finished" | "aborted" | "failed") => void;
    const ended = new Promise<"finished" | "aborted" | "failed">((r) => outcome = r);
    const done = new Promise<void>((resolve, reject) => {
      finish = () => {
        outcome("finished");
        resolve();
      };
      fail = (error) => {
        outcome("failed");
        reject(error);
      };
      request.signal.addEventListener("abort", () => {
        outcome("aborted");
        reject(new DOMException("aborted", "AbortError"));
      }, { once: true });
    });
    calls.push({
      pod: request.pod,
      container: request.container,
      signal: request.signal,
      line: (text, ts) => request.onLine({ text, ...(ts ? { ts } : {}) }),
      isContainerDone: request.isContainerDone,
      finish,
      fail,
      ended,
    });
    return done;
  };
  return { follow, calls };
}

function setup() {
  const { follow, calls } = fakeFollow();
  const cache = new PodCache();
  const lines: Array<[string, string, RelayedLine]> = [];
  const errors: Array<[string, string, unknown]> = [];
  const relay = new PodLogRelay({
    follow,
    cache,
    onLine: (p, c, line) => lines.push([p, c, line]),
    onError: (p, c, error) => errors.push([p, c, error]),
  });
  /** Feeds a pod version to the cache and the relay, as the runner does. */
  const observe = (p: PodLike) => {
    cache.update(p);
    relay.observe(p);
  };
  return { relay, cache, calls, lines, errors, observe };
}

const keys = (calls: Follower[]) => calls.map((c) => `${c.pod}/${c.container}`);

Deno.test("PodLogRelay.observe: starts a follower once a container has started, not while it waits", () => {
  const cases: Array<[string, Status, boolean]> = [
    ["waiting", { name: "c", restartCount: 0, state: WAITING }, false],
    ["no state", { name: "c", restartCount: 0 }, false],
    ["running", { name: "c", restartCount: 0, state: RUNNING }, true],
    ["terminated", { name: "c", restartCount: 0, state: EXIT0 }, true],
    ["waiting after a restart (lastState)", {
      name: "c",
      restartCount: 1,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 1 } },
    }, true],
    ["waiting with restartCount only", { name: "c", restartCount: 2, state: WAITING }, true],
  ];
  for (const [name, status, starts] of cases) {
    const { calls, observe, relay } = setup();
    observe(pod("p", [status]));
    assert.equal(calls.length, starts ? 1 : 0, name);
    assert.equal(relay.size, calls.length, name);
    relay.stop();
  }
});

Deno.test("PodLogRelay.observe: one follower per pod/container, however often a pod is seen", () => {
  const { calls, observe, relay } = setup();
  observe(
    pod("a", [{ name: "main", state: WAITING }], { init: [{ name: "init", state: RUNNING }] }),
  );
  assert.deepEqual(keys(calls), ["a/init"]);
  observe(pod("a", [{ name: "main", state: WAITING }], { init: [{ name: "init", state: EXIT0 }] }));
  observe(pod("a", [{ name: "main", state: RUNNING }, { name: "side", state: RUNNING }], {
    init: [{ name: "init", state: EXIT0 }],
  }));
  observe(pod("a", [{ name: "main", state: EXIT0 }, { name: "side", state: RUNNING }], {
    init: [{ name: "init", state: EXIT0 }],
  }));
  observe(pod("b", [{ name: "main", state: RUNNING }])); // a Job retry: another pod, same container name
  observe(pod("a", [{ name: "main", restartCount: 1, state: RUNNING, lastState: EXIT0 }]));
  assert.deepEqual(keys(calls), ["a/init", "a/main", "a/side", "b/main"]);
  assert.equal(relay.size, 4);
  relay.stop();
});

Deno.test("PodLogRelay: lines reach onLine with their pod and container; isContainerDone asks the cache", () => {
  const { calls, observe, lines, relay, cache } = setup();
  observe(pod("a", [{ name: "main", state: RUNNING }, { name: "side", state: RUNNING }]));
  const [main, side] = calls;
  main.line("hello", "2026-11-29T10:00:01.000000001Z");
  side.line("proxy up");
  main.line("bye");
  assert.deepEqual(lines, [
    ["a", "main", { text: "hello", ts: "2026-11-29T10:00:01.000000001Z" }],
    ["a", "side", { text: "proxy up" }],
    ["a", "main", { text: "bye" }],
  ]);
  assert.equal(main.isContainerDone(), false);
  cache.update(pod("a", [{ name: "main", state: EXIT0 }, { name: "side", state: RUNNING }]));
  assert.equal(main.isContainerDone(), true);
  assert.equal(side.isContainerDone(), false);
  cache.remove("a");
  assert.equal(side.isContainerDone(), true);
  relay.stop();
});

Deno.test("PodLogRelay: a follower's error goes to onError and it is not restarted", async () => {
  const { calls, observe, errors, relay } = setup();
  observe(pod("a", [{ name: "main", state: RUNNING }]));
  const boom = new Error("log stream refused: 403");
  calls[0].fail(boom);
  await calls[0].ended;
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(errors, [["a", "main", boom]]);
  observe(pod("a", [{ name: "main", state: RUNNING }]));
  assert.equal(calls.length, 1);
  relay.stop();
});

Deno.test("PodLogRelay.stop: aborts every follower, and aborts are not errors", async () => {
  const { calls, observe, errors, relay } = setup();
  observe(pod("a", [{ name: "main", state: RUNNING }, { name: "side", state: RUNNING }]));
  observe(pod("b", [{ name: "main", state: EXIT0 }]));
  relay.stop();
  assert.deepEqual(await Promise.all(calls.map((c) => c.ended)), ["aborted", "aborted", "aborted"]);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(errors, []);
});

Deno.test("PodLogRelay.drain: resolves at once when nothing was followed", async () => {
  const { relay, calls, errors } = setup();
  let resolved = false;
  const drained = relay.drain({ runningGraceMs: 10_000, doneGraceMs: 10_000 })
    .then(() => resolved = true);
  // "At once": settled before the first timer fires, so neither a grace nor
  // drain's own poll interval was waited for.
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(resolved, true, "drain waited for a timer with nothing to drain");
  await drained;
  assert.equal(calls.length, 0);
  assert.deepEqual(errors, []);
});

Deno.test("PodLogRelay.drain: waits for a done container's follower to deliver its last lines", async () => {
  const { calls, observe, relay, lines } = setup();
  observe(pod("a", [{ name: "main", state: RUNNING }]));
  observe(pod("a", [{ name: "main", state: EXIT0 }], { phase: "Succeeded" }));
  const drained = relay.drain({ runningGraceMs: 0, doneGraceMs: 10_000 });
  calls[0].line("last line");
  calls[0].finish();
  await drained;
  assert.equal(await calls[0].ended, "finished");
  assert.deepEqual(lines.map(([, , l]) => l.text), ["last line"]);
});

Deno.test("PodLogRelay.drain: aborts a follower whose container still runs after runningGraceMs", async () => {
  const { calls, observe, relay, errors } = setup();
  // The main container ended; the sidecar keeps running (restart policy Never, pod still Running).
  observe(pod("a", [{ name: "main", state: RUNNING }, { name: "side", state: RUNNING }]));
  observe(pod("a", [{ name: "main", state: EXIT0 }, { name: "side", state: RUNNING }]));
  const [main, side] = calls;
  const started = performance.now();
  const drained = relay.drain({ runningGraceMs: 100, doneGraceMs: 10_000 });
  main.finish();
  await drained;
  const elapsed = performance.now() - started;
  assert.equal(await main.ended, "finished");
  assert.equal(await side.ended, "aborted");
  assert.ok(elapsed >= 100, `drained after ${elapsed} ms, before the running grace`);
  assert.ok(elapsed < 2_000, `drained after ${elapsed} ms`);
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(errors, []);
});

Deno.test("PodLogRelay.drain: aborts a done container's follower that hangs past doneGraceMs", async () => {
  const { calls, observe, relay } = setup();
  observe(pod("a", [{ name: "main", state: EXIT0 }]));
  const started = performance.now();
  await relay.drain({ runningGraceMs: 0, doneGraceMs: 100 });
  const elapsed = performance.now() - started;
  assert.equal(await calls[0].ended, "aborted");
  assert.ok(elapsed >= 100 && elapsed < 2_000, `drained after ${elapsed} ms`);
});

Deno.test("PodLogRelay.drain: a running container that ends during the grace is waited for", async () => {
  const { calls, observe, relay, cache } = setup();
  observe(pod("a", [{ name: "side", state: RUNNING }]));
  const drained = relay.drain({ runningGraceMs: 10_000, doneGraceMs: 10_000 });
  await new Promise((r) => setTimeout(r, 60));
  cache.update(pod("a", [{ name: "side", state: EXIT0 }]));
  calls[0].finish();
  await drained;
  assert.equal(await calls[0].ended, "finished");
});

Deno.test("PodLogRelay: ended followers are dropped, remembered (bounded) and not started again; onFollowEnd says whether the container failed", async () => {
  const { follow, calls } = fakeFollow();
  const cache = new PodCache({ keepFailed: 1, keepSucceeded: 1 });
  const ends: Array<[string, string, boolean]> = [];
  const relay = new PodLogRelay({
    follow,
    cache,
    onLine: () => {},
    onFollowEnd: (p, c, failed) => ends.push([p, c, failed]),
    rememberEnded: 100,
  });
  const observe = (p: PodLike) => {
    cache.update(p);
    relay.observe(p);
  };
  for (let i = 0; i < 300; i++) {
    const exit = { terminated: { exitCode: i % 2, reason: "x" } };
    observe(pod(`p-${i}`, [{ name: "main", state: RUNNING }]));
    observe(
      pod(`p-${i}`, [{ name: "main", state: exit }], { phase: i % 2 ? "Failed" : "Succeeded" }),
    );
    assert.ok(cache.get(`p-${i}`), "pinned while its follower runs");
    calls[i].finish();
    await calls[i].ended;
    await new Promise((r) => setTimeout(r, 0));
  }
  assert.equal(relay.size, 300);
  assert.equal(relay.active, 0);
  assert.deepEqual(ends.slice(0, 2), [["p-0", "main", false], ["p-1", "main", true]]);
  assert.equal(cache.all().length, 2, "finished, unpinned pods are forgotten");
  // Seen again (a re-list): neither a recent nor an old pod is followed twice.
  observe(pod("p-299", [{ name: "main", state: EXIT0 }], { phase: "Succeeded" }));
  observe(pod("p-250", [{ name: "main", state: EXIT0 }], { phase: "Succeeded" }));
  assert.equal(calls.length, 300);
});
