import assert from "node:assert/strict";
import type { StateVerdict } from "../../../src/kinds/resource_state.ts";
import { lookUpNodes } from "../../../src/runner/_node_lookup.ts";
import type { PodLike } from "../../../src/runner/_pod_cache.ts";
import { RunTracker } from "../../../src/runner/_run_tracker.ts";
import { json, startStubApi, status, until } from "../kube/_stub_api.ts";

/** A tracker on a fake clock, with one pod bound to `node` that no node acknowledged. */
function setup(node: string) {
  let now = 1_000_000;
  const tracker = new RunTracker({
    rule: (): StateVerdict => ({ state: "Pending" }),
    startupTimeoutMs: 0,
    unrecoverableGraceMs: 30_000,
    now: () => now,
  });
  const pod: PodLike = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "build-abc" },
    spec: { nodeName: node, containers: [{ name: "main" }] } as PodLike["spec"],
    status: { phase: "Pending" },
  };
  tracker.onPod(pod);
  return {
    tracker,
    advance(ms: number) {
      now += ms;
      tracker.tick();
    },
  };
}

Deno.test("lookUpNodes: a Node that is gone (404) makes the pod NodeLost after the grace", async () => {
  const stub = startStubApi((req) =>
    req.path === "/api/v1/nodes/gone-node"
      ? status(404, "NotFound", 'nodes "gone-node" not found')
      : status(500, "InternalError", "unexpected")
  );
  try {
    const { tracker, advance } = setup("gone-node");
    const nodes = lookUpNodes(stub.client(), tracker, () => assert.fail("not forbidden"));
    nodes.check();
    assert.equal(stub.requests.length, 0, "not before the pod waited 5 s");
    advance(5_000);
    nodes.check();
    await until(() => stub.requests.length === 1, 5_000, "the node lookup");
    // The answer arrives in its own time: move the fake clock until the grace is over.
    await until(
      () => {
        advance(1_000);
        return tracker.final !== undefined;
      },
      5_000,
      "the decision",
    );
    assert.equal(tracker.final?.reason, "NodeLost");
    assert.match(
      tracker.final?.message ?? "",
      /^pod build-abc: NodeLost: node gone-node no longer exists \(for 30s\)$/,
    );
  } finally {
    await stub.close();
  }
});

Deno.test("lookUpNodes: a Ready Node is no problem; each node is read at most every 10 s", async () => {
  const stub = startStubApi(() =>
    json({
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: "kjo-node" },
      status: { conditions: [{ type: "Ready", status: "True", reason: "KubeletReady" }] },
    })
  );
  try {
    const { tracker, advance } = setup("kjo-node");
    const nodes = lookUpNodes(stub.client(), tracker, () => assert.fail("not forbidden"));
    advance(5_000);
    nodes.check();
    await until(() => stub.requests.length === 1, 5_000, "the node lookup");
    await new Promise((r) => setTimeout(r, 50));
    nodes.check();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stub.requests.length, 1, "read again too soon");
    advance(600_000);
    assert.equal(tracker.final, undefined);
  } finally {
    await stub.close();
  }
});

Deno.test("lookUpNodes: without the right to read Nodes it says so once and stops", async () => {
  const stub = startStubApi(() => status(403, "Forbidden", 'nodes "kjo-node" is forbidden'));
  try {
    const { tracker, advance } = setup("kjo-node");
    const said: string[] = [];
    const nodes = lookUpNodes(stub.client(), tracker, (m) => said.push(m));
    advance(5_000);
    nodes.check();
    await until(() => said.length === 1, 5_000, "the forbidden note");
    assert.match(said[0], /^cannot read node kjo-node \(.*forbidden.*\); the startup timeout/);
    advance(60_000);
    nodes.check();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(stub.requests.length, 1);
    assert.equal(tracker.final, undefined);
  } finally {
    await stub.close();
  }
});
