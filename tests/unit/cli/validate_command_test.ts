import assert from "node:assert/strict";
import { freePort, json, startStubApi, status, type StubApi } from "../kube/_stub_api.ts";
import { fixture, kjo, stubKubeConfigFile } from "./_cli.ts";

async function withStub(
  handler: Parameters<typeof startStubApi>[0],
  test: (stub: StubApi, kubeconfig: string) => Promise<void>,
): Promise<void> {
  const stub = startStubApi(handler);
  const kubeconfig = await stubKubeConfigFile(stub.port);
  try {
    await test(stub, kubeconfig);
  } finally {
    await stub.close();
    await Deno.remove(kubeconfig);
  }
}

const echo = (req: { method: string; body?: unknown }) =>
  req.method === "POST" ? json(req.body, 201) : status(404, "NotFound", "not found");

Deno.test("validate: a server-side dry run of every resource, `ok Kind/name` each, exit 0", async () => {
  await withStub(echo, async (stub, kubeconfig) => {
    const { code, stdout, stderr } = await kjo(
      "validate",
      "-f",
      fixture("multi_resource.yaml"),
      "--run-id",
      "r1",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /^ok Job\/reader-\w{8}\nok ConfigMap\/greeting-\w{8}\nok Service\/reader-\w{8}\n$/,
    );
    const posts = stub.seen("POST", /./);
    assert.deepEqual(posts.map((r) => r.path), [
      "/apis/batch/v1/namespaces/ns/jobs",
      "/api/v1/namespaces/ns/configmaps",
      "/api/v1/namespaces/ns/services",
    ]);
    assert.ok(posts.every((r) => r.query.get("dryRun") === "All"));
    assert.equal(stub.requests.filter((r) => r.method !== "POST").length, 0);
  });
});

Deno.test("validate: -o json and -n", async () => {
  await withStub(echo, async (_stub, kubeconfig) => {
    const { code, stdout } = await kjo(
      "validate",
      "--image",
      "busybox",
      "-n",
      "jobs",
      "-o",
      "json",
      "--kubeconfig",
      kubeconfig,
      "--random-name-postfix-length",
      "0",
    );
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(stdout), {
      ok: true,
      namespace: "jobs",
      resources: [{ apiVersion: "batch/v1", kind: "Job", name: "job", namespace: "jobs" }],
    });
  });
});

Deno.test("validate: the server rejecting a field is bad input (exit 2, one line)", async () => {
  await withStub(
    () =>
      status(422, "Invalid", "Job.batch is invalid", {
        causes: [{ field: "spec.template.spec.containers[0].image", message: "Required value" }],
      }),
    async (_stub, kubeconfig) => {
      const { code, stdout, stderr } = await kjo(
        "validate",
        "-f",
        fixture("job_hello.yaml"),
        "--kubeconfig",
        kubeconfig,
      );
      assert.equal(code, 2);
      assert.equal(stdout, "");
      assert.match(
        stderr,
        /^kjo: document 1 \(Job\/hello-\w+\): spec\.template\.spec\.containers\[0\]\.image: Required value\n$/,
      );
    },
  );
});

Deno.test("validate: forbidden is a cluster error (exit 3)", async () => {
  await withStub(
    () =>
      status(403, "Forbidden", 'jobs.batch is forbidden: User "x" cannot create resource "jobs"'),
    async (_stub, kubeconfig) => {
      const { code, stderr } = await kjo(
        "validate",
        "-f",
        fixture("job_hello.yaml"),
        "--kubeconfig",
        kubeconfig,
      );
      assert.equal(code, 3);
      assert.match(
        stderr,
        /^kjo: forbidden: document 1 \(Job\/hello-\w+\): kjo needs verb "create" on resource "jobs.batch"/,
      );
    },
  );
});

Deno.test("validate: bad input is found before any request; no kube config is exit 2", async () => {
  await withStub(echo, async (stub, kubeconfig) => {
    const { code, stderr } = await kjo("validate", "--kubeconfig", kubeconfig);
    assert.equal(code, 2);
    assert.match(stderr, /^kjo: no body/);
    assert.equal(stub.requests.length, 0);
  });
  const { code, stderr } = await kjo("validate", "--image", "busybox");
  assert.equal(code, 2);
  assert.match(stderr, /^kjo: no kube config found/);
});

Deno.test("validate: an unreachable API server is exit 3", async () => {
  const kubeconfig = await stubKubeConfigFile(freePort());
  try {
    const { code, stderr } = await kjo(
      "validate",
      "--image",
      "busybox",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 3);
    assert.match(stderr, /^kjo: cannot reach the Kubernetes API at http:\/\/127\.0\.0\.1:\d+/);
  } finally {
    await Deno.remove(kubeconfig);
  }
});
