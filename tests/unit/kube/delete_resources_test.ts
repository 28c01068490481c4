import assert from "node:assert/strict";
import { ApiError } from "../../../src/kube/api_error.ts";
import { deleteObject } from "../../../src/kube/delete_resources.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { json, startStubApi, status } from "./_stub_api.ts";

const jobObj: KubeObject = {
  apiVersion: "batch/v1",
  kind: "Job",
  metadata: { name: "build", namespace: "ci", uid: "u1" },
};
const cm: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg" } };

Deno.test("deleteObject: Background by default with a uid precondition; 404 and uid-precondition 409 are gone", async () => {
  const stub = startStubApi((req) => {
    if (req.path.endsWith("/configmaps/cfg")) return status(404, "NotFound", "gone");
    if (req.path.endsWith("/jobs/replaced")) return status(409, "Conflict", "uid mismatch");
    return json({ kind: "Status", status: "Success" });
  });
  try {
    const client = stub.client();
    assert.equal(await deleteObject({ client, object: jobObj }), "deleted");
    assert.equal(await deleteObject({ client, object: cm, namespace: "ci" }), "gone");
    const replaced = { ...jobObj, metadata: { ...jobObj.metadata, name: "replaced" } };
    assert.equal(await deleteObject({ client, object: replaced }), "gone");
    assert.deepEqual(stub.requests.map((r) => r.path), [
      "/apis/batch/v1/namespaces/ci/jobs/build",
      "/api/v1/namespaces/ci/configmaps/cfg",
      "/apis/batch/v1/namespaces/ci/jobs/replaced",
    ]);
    assert.deepEqual(stub.requests[0].body, {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Background",
      preconditions: { uid: "u1" },
    });
    assert.equal((stub.requests[1].body as Record<string, unknown>).preconditions, undefined);
  } finally {
    await stub.close();
  }
});

Deno.test("deleteObject: Foreground and grace period; 503 is retried; 409 without uid and 403 are errors", async () => {
  let calls = 0;
  const stub = startStubApi((req) => {
    if (req.path.endsWith("/configmaps/cfg")) return status(409, "Conflict", "busy");
    if (req.path.endsWith("/jobs/locked")) return status(403, "Forbidden", "no delete for you");
    return ++calls === 1 ? status(503, "ServiceUnavailable", "busy") : json({});
  });
  try {
    const client = stub.client();
    await deleteObject({
      client,
      object: jobObj,
      propagationPolicy: "Foreground",
      gracePeriodSeconds: 0,
    });
    assert.equal(calls, 2);
    const body = stub.requests[1].body as Record<string, unknown>;
    assert.equal(body.propagationPolicy, "Foreground");
    assert.equal(body.gracePeriodSeconds, 0);
    await assert.rejects(
      deleteObject({ client, object: cm, namespace: "ci" }),
      (e) => e instanceof ApiError && e.status === 409,
    );
    const locked = { ...jobObj, metadata: { ...jobObj.metadata, name: "locked" } };
    await assert.rejects(
      deleteObject({ client, object: locked }),
      (e) => e instanceof ApiError && e.status === 403,
    );
  } finally {
    await stub.close();
  }
});
