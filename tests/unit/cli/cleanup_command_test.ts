import assert from "node:assert/strict";
import { parseDuration, parseKindRef } from "../../../src/cli/cleanup_command.ts";
import { DEFAULT_CLEANUP_KINDS } from "../../../src/runner/cleanup_runs.ts";
import { InputError } from "../../../src/errors.ts";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { json, type SeenRequest, startStubApi, status } from "../kube/_stub_api.ts";
import { kjo, stubKubeConfigFile } from "./_cli.ts";

Deno.test("parseDuration: units s, m, h, d, w and combinations", () => {
  assert.equal(parseDuration("--older-than", "45s"), 45_000);
  assert.equal(parseDuration("--older-than", "30m"), 1_800_000);
  assert.equal(parseDuration("--older-than", "2h"), 7_200_000);
  assert.equal(parseDuration("--older-than", "1d"), 86_400_000);
  assert.equal(parseDuration("--older-than", "1w"), 604_800_000);
  assert.equal(parseDuration("--older-than", "1h30m"), 5_400_000);
  assert.equal(parseDuration("--older-than", "1.5h"), 5_400_000);
  for (const bad of ["", "30", "m", "2x", "-1h", "0s", "1h 30m", "h1", "1hx"]) {
    assert.throws(
      () => parseDuration("--older-than", bad),
      (e: unknown) =>
        e instanceof InputError &&
        e.message ===
          `--older-than ${
            JSON.stringify(bad)
          }: must be a duration like 30m, 2h or 1d (units s, m, h, d, w)`,
      bad,
    );
  }
});

Deno.test("parseKindRef: apiVersion/Kind with or without a group", () => {
  assert.deepEqual(parseKindRef("v1/Pod"), { apiVersion: "v1", kind: "Pod" });
  assert.deepEqual(parseKindRef("batch/v1/Job"), { apiVersion: "batch/v1", kind: "Job" });
  assert.deepEqual(parseKindRef("example.com/v1/Widget"), {
    apiVersion: "example.com/v1",
    kind: "Widget",
  });
  for (const bad of ["Pod", "/Pod", "v1/", "a/b/c/Kind", "v1//Pod", "v1/pod-x"]) {
    assert.throws(() => parseKindRef(bad), InputError, bad);
  }
  assert.deepEqual(DEFAULT_CLEANUP_KINDS.map((k) => k.kind), [
    "Job",
    "Pod",
    "Service",
    "ConfigMap",
    "Secret",
  ]);
});

Deno.test("cleanup: flag errors are exit 2 before any request", async () => {
  const stub = startStubApi(() => json({ items: [] }));
  const kubeconfig = await stubKubeConfigFile(stub.port);
  try {
    const cases: [string[], RegExp][] = [
      [
        [],
        /nothing selected: give --run-id ID, --selector LABEL_SELECTOR or --older-than DURATION/,
      ],
      [["--run-id", "a", "-l", "x=y"], /give only one of --run-id and --selector/],
      [["--run-id", "a", "--older-than", "1h"], /cannot be combined with --run-id/],
      [["--run-id", "a b"], /--run-id "a b": must be a label value/],
      [["--older-than", "soon"], /--older-than "soon": must be a duration/],
      [["--run-id", "a", "--kind", "Widget"], /--kind "Widget": must be apiVersion\/Kind/],
      [["--run-id", "a", "-n", "x", "-A"], /give only one of -n\/--namespace and --all-namespaces/],
      [["--run-id", "a", "--timeout", "-1"], /--timeout: must be a whole number of seconds/],
      [["--selector", " "], /--selector: must not be empty/],
      [
        ["--run-id", "a", "--include-unfinished"],
        /--include-unfinished only applies to --older-than/,
      ],
    ];
    for (const [args, expected] of cases) {
      const { code, stderr } = await kjo("cleanup", ...args, "--kubeconfig", kubeconfig);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.match(stderr, expected);
      assert.equal(stderr.trimEnd().split("\n").length, 1);
    }
    const { code } = await kjo("cleanup", "--run-id", "a", "--bogus");
    assert.equal(code, 2);
    assert.equal(stub.requests.length, 0);
  } finally {
    await stub.close();
    await Deno.remove(kubeconfig);
  }
});

// A tiny in-memory API server: list by label selector, delete (with garbage
// collection of dependents), discovery of one custom kind.

const PLURALS: Record<string, [base: string, plural: string]> = {
  Job: ["/apis/batch/v1", "jobs"],
  Pod: ["/api/v1", "pods"],
  Service: ["/api/v1", "services"],
  ConfigMap: ["/api/v1", "configmaps"],
  Secret: ["/api/v1", "secrets"],
  Widget: ["/apis/example.com/v1", "widgets"],
  Lease: ["/apis/coordination.k8s.io/v1", "leases"],
};

function matches(labels: Record<string, string>, selector: string): boolean {
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  return parts.every((raw) => {
    const part = raw.trim();
    const inSet = /^(\S+) in \(([^)]*)\)$/.exec(part);
    if (inSet) return inSet[2].split(",").includes(labels[inSet[1]]);
    const eq = /^([^=]+)=(.*)$/.exec(part);
    if (eq) return labels[eq[1]] === eq[2];
    if (part.startsWith("!")) return !(part.slice(1) in labels);
    return part in labels;
  });
}

class FakeCluster {
  objects: KubeObject[] = [];
  forbidden = new Set<string>();
  /** A deleted object stays listed (with a deletionTimestamp) this many more lists, like one with finalizers. */
  lingerLists = 0;
  #lingering = new Map<KubeObject, number>();
  #uid = 0;

  add(
    kind: string,
    name: string,
    options: {
      ns?: string;
      run?: string;
      owner?: KubeObject;
      ageMin?: number;
      labels?: Record<string, string>;
      extra?: Record<string, unknown>;
    } = {},
  ) {
    const object: KubeObject = {
      apiVersion: { Job: "batch/v1", Widget: "example.com/v1", Lease: "coordination.k8s.io/v1" }[
        kind
      ] ?? "v1",
      kind,
      metadata: {
        name,
        namespace: options.ns ?? "ns",
        uid: `uid-${++this.#uid}`,
        creationTimestamp: new Date(Date.now() - (options.ageMin ?? 0) * 60_000).toISOString(),
        labels: { ...options.labels, ...(options.run ? { "kjo/run-id": options.run } : {}) },
        ...(options.owner
          ? {
            ownerReferences: [{
              apiVersion: "batch/v1",
              kind: "Job",
              name: options.owner.metadata.name!,
              uid: options.owner.metadata.uid!,
            }],
          }
          : {}),
      },
      ...options.extra,
    };
    this.objects.push(object);
    return object;
  }

  handle = (req: SeenRequest): Response => {
    if (req.path === "/apis/example.com/v1") {
      return json({ resources: [{ name: "widgets", kind: "Widget", namespaced: true }] });
    }
    for (const [kind, [base, plural]] of Object.entries(PLURALS)) {
      const m = new RegExp(`^${base}(?:/namespaces/([^/]+))?/${plural}(?:/([^/]+))?$`).exec(
        req.path,
      );
      if (!m) continue;
      const [, ns, name] = m;
      if (this.forbidden.has(plural)) return status(403, "Forbidden", `${plural} is forbidden`);
      if (req.method === "GET" && !name) {
        const selector = req.query.get("labelSelector") ?? "";
        const items = this.objects.filter((o) =>
          o.kind === kind && (!ns || o.metadata.namespace === ns) &&
          matches(o.metadata.labels ?? {}, selector)
        );
        for (const o of items) {
          const left = this.#lingering.get(o);
          if (left === undefined) continue;
          if (left > 1) this.#lingering.set(o, left - 1);
          else {
            this.#lingering.delete(o);
            this.objects = this.objects.filter((x) => x !== o);
          }
        }
        return json({
          items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
          metadata: {},
        });
      }
      if (req.method === "DELETE" && name) {
        const target = this.objects.find((o) =>
          o.kind === kind && o.metadata.name === name && o.metadata.namespace === ns
        );
        if (!target) return status(404, "NotFound", `${plural} "${name}" not found`);
        const gone = (o: KubeObject) =>
          o === target ||
          (o.metadata.ownerReferences ?? []).some((r) => r.uid === target.metadata.uid);
        if (this.lingerLists > 0) {
          for (const o of this.objects.filter(gone)) {
            o.metadata.deletionTimestamp ??= new Date().toISOString();
            if (!this.#lingering.has(o)) this.#lingering.set(o, this.lingerLists);
          }
        } else {
          this.objects = this.objects.filter((o) => !gone(o));
        }
        return json({ kind: "Status", status: "Success" });
      }
    }
    return status(404, "NotFound", `no route ${req.method} ${req.path}`);
  };
}

async function withCluster(
  test: (cluster: FakeCluster, kubeconfig: string, requests: SeenRequest[]) => Promise<void>,
) {
  const cluster = new FakeCluster();
  const stub = startStubApi((req) => cluster.handle(req));
  const kubeconfig = await stubKubeConfigFile(stub.port);
  try {
    await test(cluster, kubeconfig, stub.requests);
  } finally {
    await stub.close();
    await Deno.remove(kubeconfig);
  }
}

Deno.test("cleanup --run-id: deletes the run's objects, owners first, leaves owned pods to GC, waits", async () => {
  await withCluster(async (cluster, kubeconfig, requests) => {
    cluster.lingerLists = 1; // deleted objects are listed once more before they are gone
    const job = cluster.add("Job", "build", { run: "r1" });
    cluster.add("Pod", "build-abc", { run: "r1", owner: job });
    cluster.add("ConfigMap", "cfg", { run: "r1" });
    cluster.add("Job", "other", { run: "r2" });
    cluster.add("Job", "elsewhere", { run: "r1", ns: "other-ns" });
    const { code, stdout, stderr } = await kjo(
      "cleanup",
      "--run-id",
      "r1",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      [
        "deleted Job/build (namespace ns, run r1)",
        "deleted ConfigMap/cfg (namespace ns, run r1)",
        "deleted Pod/build-abc (namespace ns, run r1) with its owner Job/build",
        "all gone",
        "",
      ].join("\n"),
    );
    assert.deepEqual(cluster.objects.map((o) => o.metadata.name), ["other", "elsewhere"]);
    const deletes = requests.filter((r) => r.method === "DELETE");
    assert.deepEqual(deletes.map((r) => r.path), [
      "/apis/batch/v1/namespaces/ns/jobs/build",
      "/api/v1/namespaces/ns/configmaps/cfg",
    ]);
    assert.deepEqual(deletes[0].body, {
      apiVersion: "v1",
      kind: "DeleteOptions",
      propagationPolicy: "Background",
      preconditions: { uid: job.metadata.uid },
    });
    const lists = requests.filter((r) => r.method === "GET");
    assert.ok(lists.every((r) => r.query.get("labelSelector") === "kjo/run-id=r1"));
    // Waits: after the last delete, Jobs were listed until the lingering Job was gone.
    const afterDeletes = requests.slice(requests.lastIndexOf(deletes.at(-1)!) + 1);
    const jobLists = afterDeletes.filter((r) => r.method === "GET" && r.path.endsWith("/jobs"));
    assert.ok(jobLists.length >= 2, `${jobLists.length} list(s) of Jobs after the deletes`);
  });
});

Deno.test("cleanup: nothing matched is exit 0 and says so; --dry-run deletes nothing", async () => {
  await withCluster(async (cluster, kubeconfig, requests) => {
    let result = await kjo("cleanup", "--run-id", "nope", "--kubeconfig", kubeconfig);
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      'nothing to delete: no Job, Pod, Service, ConfigMap, Secret matches kjo/run-id=nope in namespace "ns"\n',
    );
    cluster.add("Secret", "s", { run: "r1" });
    result = await kjo("cleanup", "-l", "kjo/run-id", "--dry-run", "--kubeconfig", kubeconfig);
    assert.equal(result.code, 0);
    assert.equal(
      result.stdout,
      "would delete Secret/s (namespace ns, run r1)\ndry run: nothing was deleted (1 object(s) matched)\n",
    );
    assert.equal(cluster.objects.length, 1);
    assert.equal(requests.filter((r) => r.method === "DELETE").length, 0);
  });
});

Deno.test("cleanup --older-than -A: only runs whose objects are all old, in every namespace", async () => {
  await withCluster(async (cluster, kubeconfig, requests) => {
    cluster.add("Job", "old-a", { run: "old", ageMin: 180, ns: "a" });
    cluster.add("ConfigMap", "old-b", { run: "old", ageMin: 170, ns: "a" });
    cluster.add("Job", "busy", { run: "busy", ageMin: 180, ns: "b" });
    cluster.add("Pod", "busy-retry", { run: "busy", ageMin: 5, ns: "b" });
    cluster.add("Job", "young", { run: "young", ageMin: 10, ns: "b" });
    cluster.add("Job", "unlabelled", { ageMin: 900, ns: "b" });
    const { code, stdout, stderr } = await kjo(
      "cleanup",
      "--older-than",
      "2h",
      "-A",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      "deleted Job/old-a (namespace a, run old)\ndeleted ConfigMap/old-b (namespace a, run old)\nall gone\n",
    );
    assert.deepEqual(cluster.objects.map((o) => o.metadata.name), [
      "busy",
      "busy-retry",
      "young",
      "unlabelled",
    ]);
    const firstList = requests.find((r) => r.method === "GET")!;
    assert.equal(firstList.path, "/apis/batch/v1/jobs");
    assert.equal(firstList.query.get("labelSelector"), "kjo/run-id");
    const leaseList = requests.find((r) => r.path.endsWith("/leases"))!;
    assert.equal(leaseList.path, "/apis/coordination.k8s.io/v1/leases");
    assert.equal(leaseList.query.get("labelSelector"), "kjo/run-id");

    const none = await kjo("cleanup", "--older-than", "1d", "-n", "b", "--kubeconfig", kubeconfig);
    assert.equal(none.code, 0);
    assert.match(
      none.stdout,
      /^nothing to delete: no run \(label kjo\/run-id\) .* older than 1d in namespace "b"\n$/,
    );
  });
});

Deno.test("cleanup --kind: custom kinds through discovery, first; a forbidden default kind is skipped with a note", async () => {
  await withCluster(async (cluster, kubeconfig) => {
    cluster.add("Widget", "w", { run: "r1" });
    cluster.add("Service", "svc", { run: "r1" });
    cluster.forbidden.add("secrets");
    const { code, stdout, stderr } = await kjo(
      "cleanup",
      "--run-id",
      "r1",
      "--kind",
      "example.com/v1/Widget",
      "--no-wait",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 0, stderr);
    assert.equal(
      stdout,
      "deleted Widget/w (namespace ns, run r1)\ndeleted Service/svc (namespace ns, run r1)\n" +
        "not waiting until they are gone (--no-wait)\n",
    );
    assert.match(
      stderr,
      /^kjo: note: skipping Secret: not allowed to list secrets in namespace "ns"/,
    );

    const forbidden = await kjo(
      "cleanup",
      "--run-id",
      "r1",
      "--kind",
      "v1/Secret",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(forbidden.code, 3);
    assert.match(forbidden.stderr, /HTTP 403/);

    const unknown = await kjo(
      "cleanup",
      "--run-id",
      "r1",
      "--kind",
      "other.io/v1/Thing",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(unknown.code, 2);
    assert.equal(
      unknown.stderr,
      "kjo: --kind other.io/v1/Thing: the cluster has no resource for this kind\n",
    );
  });
});

Deno.test("cleanup: a selector the server rejects is bad input", async () => {
  const stub = startStubApi(() => status(400, "BadRequest", "unable to parse requirement"));
  const kubeconfig = await stubKubeConfigFile(stub.port);
  try {
    const { code, stderr } = await kjo("cleanup", "-l", "a in (", "--kubeconfig", kubeconfig);
    assert.equal(code, 2);
    assert.equal(
      stderr,
      'kjo: label selector "a in (": the API server rejected it: unable to parse requirement\n',
    );
  } finally {
    await stub.close();
    await Deno.remove(kubeconfig);
  }
});

Deno.test("cleanup -l: the selector is ANDed with kjo/run-id, so objects kjo did not create survive", async () => {
  await withCluster(async (cluster, kubeconfig, requests) => {
    cluster.add("ConfigMap", "foreign", { labels: { x: "y", team: "data" } });
    cluster.add("Secret", "foreign-secret", { labels: { team: "data" } });
    cluster.add("ConfigMap", "mine", { run: "r1", labels: { x: "y" } });
    const byX = await kjo("cleanup", "-l", "x=y", "--kubeconfig", kubeconfig);
    assert.equal(byX.code, 0, byX.stderr);
    assert.equal(byX.stdout, "deleted ConfigMap/mine (namespace ns, run r1)\nall gone\n");
    assert.ok(
      requests.filter((r) => r.method === "GET").every((r) =>
        r.query.get("labelSelector") === "kjo/run-id,x=y"
      ),
    );
    const byTeam = await kjo("cleanup", "-l", "team=data", "--kubeconfig", kubeconfig);
    assert.equal(byTeam.code, 0, byTeam.stderr);
    assert.match(byTeam.stdout, /^nothing to delete: .* matches kjo\/run-id,team=data /);
    const notFoo = await kjo("cleanup", "-l", "!foo", "--kubeconfig", kubeconfig);
    assert.equal(notFoo.code, 0, notFoo.stderr);
    assert.match(notFoo.stdout, /^nothing to delete/);
    assert.deepEqual(cluster.objects.map((o) => o.metadata.name), ["foreign", "foreign-secret"]);
    assert.equal(requests.filter((r) => r.method === "DELETE").length, 1);
  });
});

Deno.test("cleanup --older-than: skips runs a kjo follows and unfinished runs; --include-unfinished takes the unfollowed ones", async () => {
  await withCluster(async (cluster, kubeconfig) => {
    const tracked = { "kjo/tracked": "true" };
    const done = { status: { conditions: [{ type: "Complete", status: "True" }] } };
    const running = { status: { active: 1 } };
    const renewed = (minutesAgo: number) => ({
      spec: {
        renewTime: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
        leaseDurationSeconds: 180,
      },
    });
    cluster.add("Job", "finished", { run: "fin", ageMin: 300, labels: tracked, extra: done });
    cluster.add("Job", "followed", { run: "fol", ageMin: 300, labels: tracked, extra: done });
    cluster.add("Lease", "kjo-follow-a", { run: "fol", extra: renewed(1) });
    cluster.add("Job", "abandoned", { run: "aba", ageMin: 300, labels: tracked, extra: done });
    cluster.add("Lease", "kjo-follow-b", { run: "aba", extra: renewed(10) }); // stale
    cluster.add("Job", "detached", { run: "det", ageMin: 300, labels: tracked, extra: running });
    cluster.add("Job", "live", { run: "liv", ageMin: 300, labels: tracked, extra: running });
    cluster.add("Lease", "kjo-follow-c", { run: "liv", extra: renewed(0) });

    const first = await kjo("cleanup", "--older-than", "1h", "--kubeconfig", kubeconfig);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stdout,
      [
        "skipping run fol: a kjo follows it (heartbeat Lease renewed recently)",
        "skipping run det: Job/detached has not finished (state Running; --include-unfinished deletes it)",
        "skipping run liv: a kjo follows it (heartbeat Lease renewed recently)",
        "deleted Job/finished (namespace ns, run fin)",
        "deleted Job/abandoned (namespace ns, run aba)",
        "all gone",
        "",
      ].join("\n"),
    );
    const second = await kjo(
      "cleanup",
      "--older-than",
      "1h",
      "--include-unfinished",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^deleted Job\/detached \(namespace ns, run det\)$/m);
    assert.deepEqual(
      cluster.objects.filter((o) => o.kind === "Job").map((o) => o.metadata.name),
      ["followed", "live"],
    );
  });
});

Deno.test("cleanup: a failed delete is exit 3 naming the object, and it is not printed as deleted", async () => {
  await withCluster(async (cluster, kubeconfig) => {
    cluster.add("ConfigMap", "ok", { run: "r1" });
    cluster.add("Secret", "locked", { run: "r1" });
    const original = cluster.handle;
    cluster.handle = (req) =>
      req.method === "DELETE" && req.path.endsWith("/secrets/locked")
        ? status(403, "Forbidden", "secrets is forbidden")
        : original(req);
    const { code, stdout, stderr } = await kjo(
      "cleanup",
      "--run-id",
      "r1",
      "--kubeconfig",
      kubeconfig,
    );
    assert.equal(code, 3);
    assert.equal(stdout, "deleted ConfigMap/ok (namespace ns, run r1)\n");
    assert.match(stderr, /could not delete 1 object\(s\): Secret\/locked: .*HTTP 403/);
  });
});
