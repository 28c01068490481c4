import assert from "node:assert/strict";
import { ClusterError, InputError } from "../../../src/errors.ts";
import {
  collectionPath,
  objectPath,
  resolveResource,
  splitApiVersion,
} from "../../../src/kube/resource_paths.ts";
import { json, startStubApi, status } from "./_stub_api.ts";

Deno.test("resource paths: core kinds need no request; discovery is cached per client", async () => {
  const stub = startStubApi((req) =>
    req.path === "/apis/example.com/v1"
      ? json({
        resources: [
          { name: "widgets", kind: "Widget", namespaced: true },
          { name: "widgets/status", kind: "Widget", namespaced: true },
          { name: "gadgets", kind: "Gadget", namespaced: false },
        ],
      })
      : status(404, "NotFound", "no")
  );
  try {
    const client = stub.client();
    const pod = await resolveResource(client, { apiVersion: "v1", kind: "Pod" });
    const job = await resolveResource(client, { apiVersion: "batch/v1", kind: "Job" });
    assert.equal(stub.requests.length, 0);
    assert.equal(collectionPath(pod, "ns"), "/api/v1/namespaces/ns/pods");
    assert.equal(collectionPath(pod), "/api/v1/pods");
    assert.equal(objectPath(job, "build", "ci"), "/apis/batch/v1/namespaces/ci/jobs/build");

    const widget = await resolveResource(client, { apiVersion: "example.com/v1", kind: "Widget" });
    const gadget = await resolveResource(client, { apiVersion: "example.com/v1", kind: "Gadget" });
    assert.equal(stub.requests.length, 1, "one discovery request per group version");
    assert.equal(objectPath(widget, "w", "ns"), "/apis/example.com/v1/namespaces/ns/widgets/w");
    assert.equal(
      collectionPath(gadget, "ns"),
      "/apis/example.com/v1/gadgets",
      "cluster-scoped ignores namespace",
    );

    await resolveResource(stub.client(), { apiVersion: "example.com/v1", kind: "Widget" });
    assert.equal(stub.requests.length, 2, "another client discovers for itself");
  } finally {
    await stub.close();
  }
});

Deno.test("resource paths: unknown kind or group is an InputError naming the document", async () => {
  const stub = startStubApi((req) =>
    req.path === "/apis/example.com/v1" ? json({ resources: [] }) : status(404, "NotFound", "no")
  );
  try {
    const client = stub.client();
    await assert.rejects(
      resolveResource(client, {
        apiVersion: "example.com/v1",
        kind: "Widget",
        metadata: { name: "w" },
      }, 2),
      (e) =>
        e instanceof InputError &&
        e.message ===
          "document 2 (Widget/w): kind: the cluster has no resource for example.com/v1/Widget",
    );
    await assert.rejects(
      resolveResource(client, { apiVersion: "nope.io/v9", kind: "Thing", metadata: { name: "t" } }),
      { message: "Thing/t: kind: the cluster has no resource for nope.io/v9/Thing" },
    );
  } finally {
    await stub.close();
  }
});

Deno.test("resource paths: discovery refused is a ClusterError", async () => {
  const stub = startStubApi(() => status(403, "Forbidden", "no discovery"));
  try {
    await assert.rejects(
      resolveResource(stub.client(), { apiVersion: "x.io/v1", kind: "X" }),
      ClusterError,
    );
  } finally {
    await stub.close();
  }
});

Deno.test("splitApiVersion", () => {
  assert.deepEqual(splitApiVersion("v1"), { group: "", version: "v1" });
  assert.deepEqual(splitApiVersion("apps/v1"), { group: "apps", version: "v1" });
});
