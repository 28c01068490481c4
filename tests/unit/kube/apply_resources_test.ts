import assert from "node:assert/strict";
import { ClusterError, InputError } from "../../../src/errors.ts";
import { applyResources } from "../../../src/kube/apply_resources.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { json, type SeenRequest, startStubApi, status, type StubApi } from "./_stub_api.ts";

const RUN = { "kjo/run-id": "r1" };

function job(): KubeObject {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: "build", labels: RUN },
    spec: {
      template: {
        spec: { containers: [{ name: "main", image: "busybox" }], restartPolicy: "Never" },
      },
    },
  };
}
function configMap(name = "cfg"): KubeObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: RUN }, data: { a: "1" } };
}
function service(): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", labels: RUN },
    spec: { ports: [{ port: 0 }] },
  };
}
function clusterRole(): KubeObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: "reader", labels: RUN },
  };
}

const RBAC_DISCOVERY = {
  kind: "APIResourceList",
  groupVersion: "rbac.authorization.k8s.io/v1",
  resources: [
    { name: "clusterroles", kind: "ClusterRole", namespaced: false },
    { name: "roles", kind: "Role", namespaced: true },
  ],
};

/** A fake API server that creates what it is sent (uid = "uid-<name>"). */
function fakeCluster(fail?: (req: SeenRequest) => Response | undefined): StubApi {
  return startStubApi((req) => {
    const failure = fail?.(req);
    if (failure) return failure;
    if (req.method === "GET" && req.path === "/apis/rbac.authorization.k8s.io/v1") {
      return json(RBAC_DISCOVERY);
    }
    if (req.method === "POST") {
      const body = structuredClone(req.body) as KubeObject;
      if (req.query.get("dryRun") !== "All") {
        body.metadata.uid = `uid-${body.metadata.name}`;
        body.metadata.resourceVersion = "1";
      }
      return json(body, 201);
    }
    if (req.method === "DELETE") return json({ kind: "Status", status: "Success" });
    return status(404, "NotFound", `no route ${req.method} ${req.path}`);
  });
}

const creates = (stub: StubApi) =>
  stub.requests.filter((r) => r.method === "POST" && r.query.get("dryRun") !== "All");
const dryRuns = (stub: StubApi) =>
  stub.requests.filter((r) => r.method === "POST" && r.query.get("dryRun") === "All");

Deno.test("apply: dry run of every object, then creates in order with ownerReferences to the first", async () => {
  const stub = fakeCluster();
  try {
    const created = await applyResources({
      client: stub.client(),
      objects: [job(), configMap(), {
        ...configMap("other-ns"),
        metadata: { name: "x", namespace: "elsewhere" },
      }, clusterRole()],
      namespace: "ci",
    });
    assert.equal(created.length, 4);
    assert.equal(created[0].metadata.uid, "uid-build");
    assert.deepEqual(dryRuns(stub).map((r) => r.path), [
      "/apis/batch/v1/namespaces/ci/jobs",
      "/api/v1/namespaces/ci/configmaps",
      "/api/v1/namespaces/elsewhere/configmaps",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    ]);
    for (const r of dryRuns(stub)) {
      assert.equal(r.query.get("fieldValidation"), "Strict");
      assert.equal(r.query.get("fieldManager"), "kjo");
    }
    const posts = creates(stub);
    assert.equal(posts.length, 4);
    assert.ok(
      stub.requests.indexOf(posts[0]) > stub.requests.indexOf(dryRuns(stub)[3]),
      "creates after all dry runs",
    );
    const owners = posts.map((r) => (r.body as KubeObject).metadata.ownerReferences);
    assert.equal(owners[0], undefined);
    assert.deepEqual(owners[1], [{
      apiVersion: "batch/v1",
      kind: "Job",
      name: "build",
      uid: "uid-build",
      controller: false,
      blockOwnerDeletion: true,
    }]);
    assert.equal(owners[2], undefined, "other namespace: no owner");
    assert.equal(owners[3], undefined, "cluster-scoped dependent of a namespaced owner: no owner");
    assert.equal((posts[0].body as KubeObject).metadata.namespace, "ci");
  } finally {
    await stub.close();
  }
});

Deno.test("apply: a cluster-scoped first object owns namespaced dependents", async () => {
  const stub = fakeCluster();
  try {
    await applyResources({
      client: stub.client(),
      objects: [clusterRole(), configMap()],
      namespace: "ci",
    });
    const refs = (creates(stub)[1].body as KubeObject).metadata.ownerReferences!;
    assert.equal(refs[0].kind, "ClusterRole");
    assert.equal(refs[0].uid, "uid-reader");
  } finally {
    await stub.close();
  }
});

Deno.test("apply: a 422 in the dry run of document 3 is an InputError naming document and field; nothing is created", async () => {
  const stub = fakeCluster((req) =>
    req.method === "POST" && req.path.endsWith("/services")
      ? status(
        422,
        "Invalid",
        'Service "web" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
        {
          name: "web",
          kind: "Service",
          causes: [{
            reason: "FieldValueInvalid",
            message: "Invalid value: 0: must be between 1 and 65535, inclusive",
            field: "spec.ports[0].port",
          }],
        },
      )
      : undefined
  );
  try {
    await assert.rejects(
      applyResources({
        client: stub.client(),
        objects: [job(), configMap(), service()],
        namespace: "ci",
      }),
      (err) => {
        assert.ok(err instanceof InputError);
        assert.equal(
          err.message,
          "document 3 (Service/web): spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        );
        return true;
      },
    );
    assert.equal(creates(stub).length, 0);
    assert.equal(stub.requests.filter((r) => r.method === "DELETE").length, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("apply: strict field validation (400) and unknown kinds are InputErrors", async () => {
  const stub = fakeCluster((req) => {
    if (req.method === "GET" && req.path === "/apis/example.com/v1") {
      return status(404, "NotFound", "not found");
    }
    if (req.method === "POST" && req.path.endsWith("/jobs")) {
      // As kube-apiserver v1.35 answers: the fields are only named in the message.
      return status(
        400,
        "BadRequest",
        'Job in version "v1" cannot be handled as a Job: strict decoding error: unknown field "spec.bogus", ' +
          'unknown field "spec.template.spec.containers[0].imagePullPolicyX"',
      );
    }
    if (req.method === "POST" && req.path.endsWith("/services")) {
      return status(400, "BadRequest", "strict decoding error: unknown field", {
        causes: [{
          reason: "FieldValueUnknown",
          message: 'unknown field "spec.bogus"',
          field: "spec.bogus",
        }],
      });
    }
  });
  try {
    const client = stub.client();
    await assert.rejects(
      applyResources({ client, objects: [job()], namespace: "ci" }),
      {
        name: "InputError",
        message: "document 1 (Job/build): spec.bogus: unknown field; " +
          "spec.template.spec.containers[0].imagePullPolicyX: unknown field",
      },
    );
    await assert.rejects(
      applyResources({ client, objects: [service()], namespace: "ci" }),
      {
        name: "InputError",
        message: 'document 1 (Service/web): spec.bogus: unknown field "spec.bogus"',
      },
    );
    await assert.rejects(
      applyResources({
        client,
        objects: [configMap(), {
          apiVersion: "example.com/v1",
          kind: "Widget",
          metadata: { name: "w" },
        }],
        namespace: "ci",
      }),
      {
        name: "InputError",
        message:
          "document 2 (Widget/w): kind: the cluster has no resource for example.com/v1/Widget",
      },
    );
    assert.equal(creates(stub).length, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("apply: 403 is a ClusterError naming the verb and resource", async () => {
  const stub = fakeCluster((req) =>
    req.method === "POST"
      ? status(
        403,
        "Forbidden",
        'jobs.batch is forbidden: User "ci" cannot create resource "jobs" in API group "batch"',
      )
      : undefined
  );
  try {
    await assert.rejects(
      applyResources({ client: stub.client(), objects: [job()], namespace: "ci" }),
      (err) =>
        err instanceof ClusterError && !(err instanceof InputError) &&
        err.message.startsWith(
          'forbidden: document 1 (Job/build): kjo needs verb "create" on resource "jobs.batch" in namespace "ci"',
        ),
    );
  } finally {
    await stub.close();
  }
});

Deno.test("apply: a create failing mid-way reports what was sent and created, deletes nothing, rethrows", async () => {
  const stub = fakeCluster((req) =>
    req.method === "POST" && req.query.get("dryRun") !== "All" &&
      req.path.endsWith("/configmaps") &&
      (req.body as KubeObject).metadata.name === "second"
      ? status(422, "Invalid", "quota exceeded", {
        causes: [{ message: "exceeded quota", field: "data" }],
      })
      : undefined
  );
  const creating: string[] = [];
  const created: string[] = [];
  try {
    await assert.rejects(
      applyResources({
        client: stub.client(),
        objects: [job(), configMap("first"), configMap("second")],
        namespace: "ci",
        onCreating: (o) => creating.push(o.metadata.name!),
        onCreated: (o) => created.push(`${o.metadata.name}:${o.metadata.uid}`),
      }),
      { name: "InputError", message: "document 3 (ConfigMap/second): data: exceeded quota" },
    );
    assert.deepEqual(creating, ["build", "first", "second"]);
    assert.deepEqual(created, ["build:uid-build", "first:uid-first"]);
    // Removing what was created is the runner's job (src/runner/cleanup.ts).
    assert.equal(stub.requests.filter((r) => r.method === "DELETE").length, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("apply: an aborted signal stops before the next create", async () => {
  const stop = new AbortController();
  const stub = fakeCluster();
  const creating: string[] = [];
  try {
    await assert.rejects(
      applyResources({
        client: stub.client(),
        objects: [job(), configMap("first"), configMap("second")],
        namespace: "ci",
        signal: stop.signal,
        onCreating: (o) => creating.push(o.metadata.name!),
        onCreated: () => stop.abort("SIGTERM"),
      }),
      (e) => e === "SIGTERM",
    );
    assert.deepEqual(creating, ["build"]);
    assert.equal(creates(stub).length, 1);
  } finally {
    await stub.close();
  }
});

Deno.test("apply: dryRun only validates and returns the server's answers", async () => {
  const stub = fakeCluster();
  try {
    const answers = await applyResources({
      client: stub.client(),
      objects: [job(), configMap()],
      namespace: "ci",
      dryRun: true,
    });
    assert.equal(answers.length, 2);
    assert.equal(answers[1].kind, "ConfigMap");
    assert.equal(creates(stub).length, 0);
  } finally {
    await stub.close();
  }
});

Deno.test("apply: a create whose answer was lost is retried; 409 with our run-id label counts as created", async () => {
  let jobPosts = 0;
  const stub = startStubApi((req, s) => {
    if (req.method === "POST" && req.query.get("dryRun") === "All") return json(req.body, 201);
    if (req.method === "POST") {
      jobPosts++;
      if (jobPosts === 1) {
        // The server got it (and created it), but the connection broke before the answer.
        const stream = s.openStream();
        const response = stream.response();
        setTimeout(() => stream.break(), 5);
        return response;
      }
      return status(409, "AlreadyExists", 'jobs.batch "build" already exists');
    }
    if (req.method === "GET" && req.path === "/apis/batch/v1/namespaces/ci/jobs/build") {
      return json({
        ...job(),
        metadata: { ...job().metadata, uid: "uid-existing", namespace: "ci" },
      });
    }
    return status(404, "NotFound", "?");
  });
  try {
    const [created] = await applyResources({
      client: stub.client(),
      objects: [job()],
      namespace: "ci",
    });
    assert.equal(created.metadata.uid, "uid-existing");
    assert.equal(jobPosts, 2);
  } finally {
    await stub.close();
  }
});

Deno.test("apply: 409 on the first attempt is an InputError (name taken), not adoption", async () => {
  const stub = fakeCluster((req) =>
    req.method === "POST"
      ? status(409, "AlreadyExists", 'jobs.batch "build" already exists')
      : undefined
  );
  try {
    await assert.rejects(
      applyResources({ client: stub.client(), objects: [job()], namespace: "ci" }),
      {
        name: "InputError",
        message: 'document 1 (Job/build): metadata.name: "build" already exists in namespace "ci"',
      },
    );
  } finally {
    await stub.close();
  }
});
