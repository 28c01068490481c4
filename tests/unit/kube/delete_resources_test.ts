import assert from "node:assert/strict";
import { ClusterError } from "../../../src/errors.ts";
import { deleteByLabel, deleteResources } from "../../../src/kube/delete_resources.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { json, startStubApi, status } from "./_stub_api.ts";

const jobObj: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "build", namespace: "ci", uid: "u1" },
};
const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" } };

Deno.test("delete: reverse order, Background by default, 404 and uid-precondition 409 count as gone", async () => {
  const stub = startStubApi((req) => {
    if (req.path.endsWith("/configmaps/cfg")) return status(404, "NotFound", "gone");
    return json({ kind: "Status", status: "Success" });
  });
  try {
    const outcomes = await deleteResources({
      client: stub.client(),
      objects: [jobObj, cm],
      namespace: "ci",
    });
    assert.deepEqual(outcomes.map((o) => o.result), ["gone", "deleted"]);
    assert.deepEqual(stub.requests.map((r) => r.path), [
      "/api/v1/namespaces/ci/configmaps/cfg",
      "/apis/batch/v1/namespaces/ci/jobs/build",
    ]);
    assert.deepEqual(stub.requests[1].body, {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Background",
      preconditions: { uid: "u1" },
    });
  } finally {
    await stub.close();
  }
});

Deno.test("delete: Foreground and grace period; connection trouble (503) is retried", async () => {
  let calls = 0;
  const stub = startStubApi(() =>
    ++calls === 1 ? status(503, "ServiceUnavailable", "busy") : json({})
  );
  try {
    await deleteResources({
      client: stub.client(),
      objects: [jobObj],
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
    });
    assert.equal(calls, 2);
    const body = stub.requests[1].body as Record<string, unknown>;
    assert.equal(body.propagationPolicy, "Foreground");
    assert.equal(body.gracePeriodSeconds, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("delete: every object is tried; failures are reported together", async () => {
  const secret: KubeObject = { apiVersion: "v1", kind: "Secret", metadata: { name: "s" } };
  const stub = startStubApi((req) =>
    /\/(jobs|secrets)\//.test(req.path) ? status(403, "Forbidden", "no delete for you") : json({})
  );
  try {
    await assert.rejects(
      deleteResources({ client: stub.client(), objects: [jobObj, cm, secret], namespace: "ci" }),
      (e) =>
        e instanceof ClusterError &&
        /^could not delete 2 object\(s\): Secret\/s: [^;]*; Job\/build: /.test(e.message),
    );
    assert.equal(stub.requests.length, 3, "the ConfigMap between the failures was deleted too");
  } finally {
    await stub.close();
  }
});

Deno.test("deleteByLabel lists each kind by selector and deletes what it finds", async () => {
  const stub = startStubApi((req) => {
    if (req.method === "GET" && req.path === "/apis/batch/v1/namespaces/ci/jobs") {
      return json({
        kind: "JobList",
        items: [{ metadata: { name: "j1", namespace: "ci", uid: "uj1" } }],
      });
    }
    if (req.method === "GET" && req.path === "/api/v1/namespaces/ci/pods") {
      return json({
        kind: "PodList",
        items: [{ metadata: { name: "p1", namespace: "ci", uid: "up1" } }],
      });
    }
    return json({});
  });
  try {
    const outcomes = await deleteByLabel({
      client: stub.client(),
      namespace: "ci",
      selector: "kjo/run-id=r1",
      kinds: [{ apiVersion: "batch/v1", kind: "Job" }, { apiVersion: "v1", kind: "Pod" }],
    });
    assert.equal(outcomes.length, 2);
    const lists = stub.requests.filter((r) => r.method === "GET");
    assert.ok(lists.every((r) => r.query.get("labelSelector") === "kjo/run-id=r1"));
    assert.deepEqual(stub.requests.filter((r) => r.method === "DELETE").map((r) => r.path), [
      "/api/v1/namespaces/ci/pods/p1",
      "/apis/batch/v1/namespaces/ci/jobs/j1",
    ]);
  } finally {
    await stub.close();
  }
});
