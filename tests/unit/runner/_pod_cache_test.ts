import assert from "node:assert/strict";
import { containerStatuses, PodCache, type PodLike } from "../../../src/runner/_pod_cache.ts";

type State = "waiting" | "running" | `exit${number}` | "none";

function stateOf(state: State) {
  if (state === "none") return undefined;
  if (state === "waiting") return { waiting: { reason: "ContainerCreating" } };
  if (state === "running") return { running: { startedAt: "2026-11-29T10:00:00Z" } };
  return {
    terminated: {
      exitCode: Number(state.slice(4)),
      reason: state === "exit0" ? "Completed" : "Error",
    },
  };
}

function pod(options: {
  name?: string;
  policy?: string;
  phase?: string;
  main?: State;
  init?: State;
  /** `restartPolicy` of the init container itself (a native sidecar when "Always"). */
  initPolicy?: string;
  deleting?: boolean;
}): PodLike {
  const status = (name: string, state: State) => ({
    name,
    restartCount: 0,
    ...(stateOf(state) ? { state: stateOf(state) } : {}),
  });
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: options.name ?? "p",
      ...(options.deleting ? { deletionTimestamp: "2026-11-29T10:01:00Z" } : {}),
    },
    spec: {
      ...(options.policy ? { restartPolicy: options.policy } : {}),
      ...(options.init
        ? {
          initContainers: [{
            name: "init",
            ...(options.initPolicy ? { restartPolicy: options.initPolicy } : {}),
          }],
        }
        : {}),
      containers: [{ name: "main" }],
    },
    status: {
      phase: options.phase ?? "Running",
      ...(options.init ? { initContainerStatuses: [status("init", options.init)] } : {}),
      containerStatuses: [status("main", options.main ?? "running")],
    },
  } as PodLike;
}

function done(p: PodLike, container: string): boolean {
  const cache = new PodCache();
  cache.update(p);
  return cache.isContainerDone(p.metadata.name!, container);
}

Deno.test("PodCache.isContainerDone: regular container by restart policy and state", () => {
  const cases: Array<[policy: string | undefined, state: State, expected: boolean]> = [
    ["Never", "running", false],
    ["Never", "waiting", false],
    ["Never", "exit0", true],
    ["Never", "exit1", true],
    ["OnFailure", "running", false],
    ["OnFailure", "exit0", true],
    ["OnFailure", "exit1", false], // the kubelet restarts it
    ["Always", "running", false],
    ["Always", "exit0", false],
    ["Always", "exit1", false],
    [undefined, "exit0", false], // the default policy is Always
    ["Never", "none", false], // no status yet
  ];
  for (const [policy, state, expected] of cases) {
    assert.equal(
      done(pod({ policy, main: state }), "main"),
      expected,
      `${policy ?? "(default)"} ${state}`,
    );
  }
});

Deno.test("PodCache.isContainerDone: init containers", () => {
  const cases: Array<[policy: string, state: State, expected: boolean]> = [
    ["Never", "running", false],
    ["Never", "exit0", true],
    ["Never", "exit1", true], // not retried: the pod fails
    ["OnFailure", "exit0", true],
    ["OnFailure", "exit1", false], // retried
    ["Always", "exit0", true], // init containers run once when they succeed
    ["Always", "exit1", false], // retried
  ];
  for (const [policy, state, expected] of cases) {
    const p = pod({ policy, phase: "Pending", init: state, main: "waiting" });
    assert.equal(done(p, "init"), expected, `${policy} ${state}`);
  }
});

Deno.test("PodCache.isContainerDone: terminal phases end every container", () => {
  for (const phase of ["Succeeded", "Failed"]) {
    for (const state of ["running", "waiting", "exit1", "none"] as const) {
      assert.equal(
        done(pod({ policy: "Always", phase, main: state }), "main"),
        true,
        `${phase} ${state}`,
      );
    }
    assert.equal(done(pod({ phase }), "no-such-container"), true, phase);
  }
  for (const phase of ["Pending", "Running", "Unknown"]) {
    assert.equal(done(pod({ policy: "Always", phase, main: "running" }), "main"), false, phase);
  }
});

Deno.test("PodCache.isContainerDone: a pod being deleted ends containers that do not run", () => {
  const cases: Array<[state: State, expected: boolean]> = [
    ["running", false], // still writing until it is killed
    ["exit0", true],
    ["exit1", true], // not restarted while terminating, whatever the policy
    ["waiting", true], // will never start
    ["none", true],
  ];
  for (const [state, expected] of cases) {
    assert.equal(
      done(pod({ policy: "Always", main: state, deleting: true }), "main"),
      expected,
      state,
    );
  }
});

Deno.test("PodCache: deleted pods are done; unknown pods are not; update revives a name", () => {
  const cache = new PodCache();
  assert.equal(cache.isContainerDone("unknown", "main"), false);
  const p = pod({ name: "a", policy: "Always", main: "running" });
  cache.update(p);
  assert.equal(cache.isContainerDone("a", "main"), false);
  cache.remove("a");
  assert.equal(cache.isContainerDone("a", "main"), true);
  assert.equal(cache.isContainerDone("a", "anything"), true);
  assert.equal(cache.get("a"), p, "a deleted pod stays readable");
  assert.deepEqual(cache.all().map((x) => x.metadata.name), ["a"]);
  cache.remove("never-seen");
  assert.equal(cache.isContainerDone("never-seen", "main"), true);
  cache.update(p); // same name again (e.g. a StatefulSet-like recreate)
  assert.equal(cache.isContainerDone("a", "main"), false);
});

Deno.test("PodCache: get and all return the latest version of each pod", () => {
  const cache = new PodCache();
  cache.update(pod({ name: "a", main: "waiting" }));
  cache.update(pod({ name: "b" }));
  const latest = pod({ name: "a", main: "running" });
  cache.update(latest);
  assert.equal(cache.get("a"), latest);
  assert.equal(cache.get("c"), undefined);
  assert.deepEqual(cache.all().map((x) => x.metadata.name), ["a", "b"]);
  assert.equal(cache.all()[0], latest, "all() holds the latest version too");
});

Deno.test("containerStatuses: init containers first; none without a status", () => {
  const p = pod({ init: "exit0", main: "running" });
  assert.deepEqual(containerStatuses(p).map((s) => s.name), ["init", "main"]);
  assert.deepEqual(containerStatuses({ metadata: { name: "x" } } as PodLike), []);
});

// A native sidecar (an init container with its own `restartPolicy: Always`,
// Kubernetes ≥ 1.29) is restarted by the kubelet whenever it exits while the
// pod runs, whatever the pod's policy. isContainerDone ignores the
// container's own restartPolicy, so it calls the sidecar done: its log
// follower ends and, since PodLogRelay never starts a second follower for the
// same pod/container, the restarted sidecar's lines are lost.
Deno.test("PodCache.isContainerDone: a terminated native sidecar is not done while the pod runs", () => {
  for (
    const [policy, state] of [["Never", "exit0"], ["Never", "exit1"], [
      "OnFailure",
      "exit0",
    ]] as const
  ) {
    const p = pod({ policy, init: state, initPolicy: "Always", main: "running" });
    assert.equal(done(p, "init"), false, `pod policy ${policy}, sidecar ${state}`);
  }
});

// Kubernetes ≥ 1.34 (ContainerRestartRules): a regular container's own
// restartPolicy overrides the pod's; src/kinds/pod_state.ts honours it,
// isContainerDone does not.
Deno.test("PodCache.isContainerDone: a container's own restartPolicy wins over the pod's", () => {
  const p = pod({ policy: "Never", main: "exit1" });
  (p.spec!.containers![0] as { name: string; restartPolicy?: string }).restartPolicy = "OnFailure";
  assert.equal(done(p, "main"), false);
});

Deno.test("PodCache: finished pods beyond keepFailed/keepSucceeded are forgotten but stay done", () => {
  const cache = new PodCache({ keepFailed: 2, keepSucceeded: 3 });
  for (let i = 0; i < 1000; i++) {
    const failed = i % 100 === 0;
    const name = `p-${i}`;
    cache.update(pod({ name, policy: "Never", main: "running" }));
    cache.update(
      pod({
        name,
        policy: "Never",
        phase: failed ? "Failed" : "Succeeded",
        main: failed ? "exit1" : "exit0",
      }),
    );
  }
  cache.update(pod({ name: "live", policy: "Never", main: "running" }));
  assert.deepEqual(cache.all().map((p) => p.metadata.name).sort(), [
    "live",
    "p-800",
    "p-900",
    "p-997",
    "p-998",
    "p-999",
  ]);
  assert.equal(cache.forgotten, 1000 - 5);
  assert.equal(cache.isContainerDone("p-1", "main"), true, "a forgotten pod is still done");
  assert.equal(cache.isContainerDone("live", "main"), false);
  // A re-list shows a forgotten finished pod again: it is not kept again.
  cache.update(pod({ name: "p-1", policy: "Never", phase: "Succeeded", main: "exit0" }));
  assert.equal(cache.get("p-1"), undefined);
  assert.equal(cache.all().length, 6);
});

Deno.test("PodCache: a pinned finished pod is kept until unpinned; deleted pods count as finished", () => {
  const cache = new PodCache({ keepFailed: 0, keepSucceeded: 0 });
  cache.update(pod({ name: "a", policy: "Never", main: "running" }));
  cache.pin("a");
  cache.pin("a");
  cache.update(pod({ name: "a", policy: "Never", phase: "Succeeded", main: "exit0" }));
  assert.ok(cache.get("a"), "pinned");
  cache.unpin("a");
  assert.ok(cache.get("a"), "still pinned once");
  cache.unpin("a");
  assert.equal(cache.get("a"), undefined);
  assert.equal(cache.isContainerDone("a", "main"), true);
  cache.update(pod({ name: "b", policy: "Always", main: "running" }));
  cache.remove("b");
  assert.equal(cache.get("b"), undefined);
  assert.equal(cache.isContainerDone("b", "main"), true);
  assert.equal(cache.forgotten, 2);
});

Deno.test("PodCache: rememberDone bounds the names of forgotten pods", () => {
  const cache = new PodCache({ keepFailed: 0, keepSucceeded: 0, rememberDone: 10 });
  for (let i = 0; i < 100; i++) {
    cache.update(pod({ name: `p-${i}`, policy: "Never", phase: "Succeeded", main: "exit0" }));
  }
  assert.equal(cache.all().length, 0);
  assert.equal(cache.isContainerDone("p-99", "main"), true);
  assert.equal(cache.isContainerDone("p-90", "main"), true);
  assert.equal(cache.isContainerDone("p-0", "main"), false, "the oldest names are dropped");
});

Deno.test("PodCache.isMainContainer: the annotated container, else the first; hasContainerFailed", () => {
  const cache = new PodCache();
  const p = pod({ name: "a", main: "exit3", policy: "Never" });
  p.spec!.containers = [{ name: "main" }, { name: "side" }];
  cache.update(p);
  assert.equal(cache.isMainContainer("a", "main"), true);
  assert.equal(cache.isMainContainer("a", "side"), false);
  assert.equal(cache.hasContainerFailed("a", "main"), true);
  assert.equal(cache.hasContainerFailed("a", "side"), false);
  cache.update({
    ...p,
    metadata: { name: "a", annotations: { "kubernetes_job_operator.main_container": " side " } },
  });
  assert.equal(cache.isMainContainer("a", "main"), false);
  assert.equal(cache.isMainContainer("a", "side"), true);
  assert.equal(cache.isMainContainer("unknown", "main"), false);
});
