/**
 * A small in-memory API server on the stub (tests/unit/kube/_stub_api.ts) for
 * runner tests: creates (and dry runs), lists by label selector, watches that
 * stay silent, deletes with garbage collection of dependents, and names for
 * `generateName`. A test can intercept any request first.
 *
 * @module
 */

import type { KubeObject } from "../../../src/kube/kube_object.ts";
import {
  json,
  type PushStream,
  type SeenRequest,
  startStubApi,
  status,
  type StubApi,
} from "../kube/_stub_api.ts";

const PATH =
  /^\/(api\/v1|apis\/[^/]+\/v1)(?:\/namespaces\/([^/]+))?\/([a-z]+)(?:\/([^/]+))?(?:\/([a-z]+))?$/;

/** The in-memory cluster; `objects` holds what exists, keyed by resource plural. */
export class FakeCluster {
  readonly objects: (KubeObject & { plural: string })[] = [];
  readonly stub: StubApi;
  /** The watch streams opened, in order. */
  readonly watches: PushStream[] = [];
  /** Watch streams the client has not gone away from yet. */
  openWatches = 0;
  /** Delete dependents with their owner. */
  gc = true;
  /** Called with each object the fake creates (to set a status, say). */
  onCreate?: (object: KubeObject) => void;
  /** Answer a request before the fake does (return undefined to let it). */
  intercept?: (req: SeenRequest) => Response | Promise<Response | undefined> | undefined;
  #uid = 0;

  constructor() {
    this.stub = startStubApi((req) => this.#handle(req));
  }

  /** Adds an object as if created (uid, creationTimestamp). */
  create(plural: string, body: KubeObject): KubeObject {
    const object = structuredClone(body) as KubeObject & { plural: string };
    object.metadata.uid = `uid-${++this.#uid}`;
    object.metadata.name ??= `${object.metadata.generateName ?? "x-"}${this.#uid}`;
    object.metadata.creationTimestamp = new Date().toISOString();
    object.metadata.resourceVersion = String(this.#uid);
    object.plural = plural;
    this.onCreate?.(object);
    this.objects.push(object);
    return object;
  }

  /** Objects of one plural. */
  of(plural: string): KubeObject[] {
    return this.objects.filter((o) => o.plural === plural);
  }

  async #handle(req: SeenRequest): Promise<Response> {
    const intercepted = await this.intercept?.(req);
    if (intercepted) return intercepted;
    const m = PATH.exec(req.path);
    if (!m) return status(404, "NotFound", `no route ${req.method} ${req.path}`);
    const [, , namespace, plural, name, sub] = m;
    if (sub) return status(404, "NotFound", `no subresource ${sub}`);
    if (req.method === "POST") {
      const body = req.body as KubeObject;
      if (req.query.get("dryRun") === "All") return json(body, 201);
      const { plural: _p, ...created } = this.create(plural, body) as KubeObject & {
        plural: string;
      };
      return json(created, 201);
    }
    if (req.method === "GET" && req.query.get("watch")) {
      const stream = this.stub.openStream();
      this.watches.push(stream);
      this.openWatches++;
      stream.cancelled.then(() => this.openWatches--);
      return stream.response();
    }
    if (req.method === "GET" && !name) {
      const selector = req.query.get("labelSelector") ?? "";
      const field = req.query.get("fieldSelector") ?? "";
      const items = this.objects.filter((o) =>
        o.plural === plural && (!namespace || o.metadata.namespace === namespace) &&
        matches(o.metadata.labels ?? {}, selector) &&
        (!field.startsWith("metadata.name=") || o.metadata.name === field.slice(14))
      ).map(({ plural: _p, apiVersion: _a, kind: _k, ...rest }) => rest);
      return json({ items, metadata: { resourceVersion: String(this.#uid) } });
    }
    const target = this.objects.find((o) =>
      o.plural === plural && o.metadata.name === name &&
      (!namespace || o.metadata.namespace === namespace)
    );
    if (!target) return status(404, "NotFound", `${plural} "${name}" not found`);
    if (req.method === "GET") return json(target);
    if (req.method === "DELETE") {
      this.#remove(target);
      return json({ kind: "Status", status: "Success" });
    }
    if (req.method === "PATCH") return json(target);
    return status(405, "MethodNotAllowed", req.method);
  }

  #remove(target: KubeObject): void {
    const i = this.objects.indexOf(target as KubeObject & { plural: string });
    if (i >= 0) this.objects.splice(i, 1);
    if (!this.gc) return;
    for (const dependent of [...this.objects]) {
      if ((dependent.metadata.ownerReferences ?? []).some((r) => r.uid === target.metadata.uid)) {
        this.#remove(dependent);
      }
    }
  }

  /** Stops the stub. */
  close(): Promise<void> {
    return this.stub.close();
  }
}

/** Equality, existence and `!key` requirements, comma-separated. */
function matches(labels: Record<string, string>, selector: string): boolean {
  return selector.split(",").filter(Boolean).every((raw) => {
    const part = raw.trim();
    const eq = /^([^=!]+)=(.*)$/.exec(part);
    if (eq) return labels[eq[1]] === eq[2];
    if (part.startsWith("!")) return !(part.slice(1) in labels);
    return part in labels;
  });
}

/**
 * Seeds run r1 in namespace ns as `kjo run` leaves it: a tracked Job `work`
 * (with `status`, when given) whose annotation lists it and ConfigMap `cfg`.
 */
export function seedRun(cluster: FakeCluster, status?: Record<string, unknown>): void {
  const label = { "kjo/run-id": "r1" };
  cluster.create("configmaps", {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "cfg", namespace: "ns", labels: label },
  });
  cluster.create("jobs", {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: "work",
      namespace: "ns",
      labels: { ...label, "kjo/tracked": "true" },
      annotations: {
        "kjo/resources": JSON.stringify([
          { apiVersion: "batch/v1", kind: "Job", name: "work" },
          { apiVersion: "v1", kind: "ConfigMap", name: "cfg" },
        ]),
      },
    },
    ...(status ? { status } : {}),
  });
}
