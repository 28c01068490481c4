/**
 * Creating the objects of a run: a server-side dry run of every object first
 * (so bad input creates nothing), then creation in order with
 * ownerReferences to the first object, reporting each object as its create
 * is sent and as it is created.
 *
 * @module
 */

import { ClusterError, InputError } from "../errors.ts";
import { ApiError, ConnectionError, isTransientError, unauthorizedError } from "./api_error.ts";
import { backoffDelay, sleep } from "./_backoff.ts";
import type { KubeClient } from "./kube_client.ts";
import { describeObject, type KubeObject, type OwnerReference } from "./kube_object.ts";
import { RUN_ID_LABEL } from "./labels.ts";
import {
  collectionPath,
  objectPath,
  resolveResource,
  type ResourceInfo,
} from "./resource_paths.ts";

/**
 * Options of {@linkcode applyResources}.
 */
export interface ApplyResourcesOptions {
  client: KubeClient;
  /** The run's objects, in order; the first is the tracked resource. */
  objects: KubeObject[];
  /** Namespace of namespaced objects without `metadata.namespace`. */
  namespace: string;
  /**
   * Only run the server-side dry run and return the server's answers.
   *
   * @default {false}
   */
  dryRun?: boolean;
  /**
   * Field manager recorded by the server.
   *
   * @default {"kjo"}
   */
  fieldManager?: string;
  /**
   * Called before the first create request of each object is sent: from then
   * on the object may exist even if the request fails or is aborted.
   */
  onCreating?: (object: KubeObject) => void;
  /** Called with each object as the server created it (with uid). */
  onCreated?: (object: KubeObject) => void;
  signal?: AbortSignal;
}

/**
 * Validates every object with a server-side dry run, then creates them in
 * order. Objects after the first get an ownerReference to the first
 * (`controller: false`, `blockOwnerDeletion: true`) when Kubernetes allows it:
 * same namespace, or a cluster-scoped first object; never for a cluster-scoped
 * dependent of a namespaced owner.
 *
 * Errors: {@linkcode InputError} (exit 2) for objects the server rejects as
 * invalid (`document N (Kind/name): field: reason`), {@linkcode ClusterError}
 * for forbidden, unauthorized or unreachable. A create that fails (or is
 * aborted) leaves what was created in place: the caller, told by `onCreating`
 * and `onCreated`, removes it (the runner's cleanup does, by object and by
 * the run's label).
 *
 * @returns the created objects as the server returned them (with uid and
 * resourceVersion), or with `dryRun` the server's dry-run answers.
 */
export async function applyResources(options: ApplyResourcesOptions): Promise<KubeObject[]> {
  const { client, objects } = options;
  const fieldManager = options.fieldManager ?? "kjo";
  const planned: Planned[] = [];
  for (const [i, object] of objects.entries()) {
    const info = await resolveResource(client, object, i + 1);
    const namespace = info.namespaced
      ? (object.metadata?.namespace || options.namespace)
      : undefined;
    const body = structuredClone(object);
    body.metadata ??= {};
    if (namespace) body.metadata.namespace = namespace;
    planned.push({ index: i + 1, info, namespace, body });
  }

  // 1. Dry run of everything: bad input creates nothing.
  const answers: KubeObject[] = [];
  const namespacesCreatedBefore = new Set<string>();
  for (const plan of planned) {
    try {
      answers.push(
        await client.request<KubeObject>({
          method: "POST",
          path: collectionPath(plan.info, plan.namespace),
          query: { dryRun: "All", fieldValidation: "Strict", fieldManager },
          body: plan.body,
          signal: options.signal,
          retry: "safe", // a dry run changes nothing
        }),
      );
    } catch (err) {
      // An object in a namespace an earlier document creates cannot be dry-run yet.
      if (
        err instanceof ApiError && err.status === 404 && err.body?.details?.kind === "namespaces" &&
        namespacesCreatedBefore.has(err.body.details.name ?? "")
      ) {
        answers.push(plan.body);
      } else {
        throw translateError(err, plan, "create");
      }
    }
    if (plan.info.kind === "Namespace" && plan.info.group === "" && plan.body.metadata.name) {
      namespacesCreatedBefore.add(plan.body.metadata.name);
    }
  }
  if (options.dryRun) return answers;

  // 2. Create in order.
  const created: KubeObject[] = [];
  for (const plan of planned) {
    const owner = created[0];
    if (owner && mayOwn(planned[0], plan)) addOwnerReference(plan.body, owner);
    options.signal?.throwIfAborted();
    options.onCreating?.(plan.body);
    const object = await createOne(options, plan, fieldManager);
    created.push(object);
    options.onCreated?.(object);
  }
  return created;
}

interface Planned {
  /** 1-based document number. */
  index: number;
  info: ResourceInfo;
  namespace?: string;
  body: KubeObject;
}

function mayOwn(owner: Planned, dependent: Planned): boolean {
  if (!owner.info.namespaced) return true;
  return dependent.info.namespaced && dependent.namespace === owner.namespace;
}

function addOwnerReference(body: KubeObject, owner: KubeObject): void {
  const uid = owner.metadata.uid;
  if (!uid || !owner.metadata.name) return;
  const refs: OwnerReference[] = body.metadata.ownerReferences ?? [];
  if (refs.some((r) => r.uid === uid)) return;
  body.metadata.ownerReferences = [...refs, {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid,
    controller: false,
    blockOwnerDeletion: true,
  }];
}

async function createOne(
  options: ApplyResourcesOptions,
  plan: Planned,
  fieldManager: string,
): Promise<KubeObject> {
  const { client } = options;
  // A create that failed ambiguously (timeout, reset, 5xx) is retried only for
  // objects with a name and a run id; a 409 on such a retry for an object
  // carrying the same run id counts as created.
  const name = plan.body.metadata.name;
  const runId = plan.body.metadata.labels?.[RUN_ID_LABEL];
  const canRetryAmbiguous = Boolean(name && runId);
  let body = plan.body;
  let droppedBlockOwnerDeletion = false;
  for (let attempt = 0;; attempt++) {
    try {
      return await client.request<KubeObject>({
        method: "POST",
        path: collectionPath(plan.info, plan.namespace),
        query: { fieldValidation: "Strict", fieldManager },
        body,
        signal: options.signal,
        retry: "unsent",
      });
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (attempt > 0 && canRetryAmbiguous && err instanceof ApiError && err.status === 409) {
        // Our earlier attempt may have been created after all.
        const existing = await client.request<KubeObject>({
          path: objectPath(plan.info, name!, plan.namespace),
          signal: options.signal,
        }).catch(() => undefined);
        if (existing?.metadata && existing.metadata.labels?.[RUN_ID_LABEL] === runId) {
          return {
            ...existing,
            apiVersion: plan.body.apiVersion,
            kind: plan.body.kind,
            metadata: existing.metadata,
          };
        }
        throw translateError(err, plan, "create");
      }
      // OwnerReferencesPermissionEnforcement: blockOwnerDeletion needs update on the
      // owner's finalizers. The request was rejected, so retrying without it is safe.
      if (
        !droppedBlockOwnerDeletion && err instanceof ApiError &&
        (err.status === 403 || err.status === 422) &&
        /blockOwnerDeletion/.test(err.message)
      ) {
        droppedBlockOwnerDeletion = true;
        body = structuredClone(body);
        for (const ref of body.metadata.ownerReferences ?? []) delete ref.blockOwnerDeletion;
        attempt--;
        continue;
      }
      const ambiguous = (err instanceof ConnectionError && err.sent) ||
        (err instanceof ApiError && err.status >= 500 && isTransientError(err));
      if (ambiguous && canRetryAmbiguous && attempt < client.settings.maxRetries) {
        if (!(await sleep(backoffDelay(attempt, client.settings.retryBackoff), options.signal))) {
          throw err;
        }
        continue;
      }
      throw translateError(err, plan, "create");
    }
  }
}

function translateError(err: unknown, plan: Planned, verb: string): unknown {
  if (!(err instanceof ApiError)) return err;
  const where = `document ${plan.index} (${describeObject(plan.body)})`;
  const status = err.body;
  const message = oneLine(err.serverMessage);
  switch (err.status) {
    case 401:
      return unauthorizedError(err, message);
    case 403: {
      const resource = plan.info.group
        ? `${plan.info.plural}.${plan.info.group}`
        : plan.info.plural;
      const scope = plan.namespace ? ` in namespace "${plan.namespace}"` : "";
      return new ClusterError(
        `forbidden: ${where}: kjo needs verb "${verb}" on resource "${resource}"${scope} (${message})`,
        { cause: err },
      );
    }
    case 404:
      if (status?.details?.kind === "namespaces") {
        return new InputError(
          `${where}: metadata.namespace: namespace "${
            status.details.name ?? plan.namespace
          }" not found`,
          { cause: err },
        );
      }
      return new InputError(
        `${where}: kind: the cluster has no resource for ${plan.info.apiVersion}/${plan.info.kind}`,
        { cause: err },
      );
    case 409:
      if (err.reason === "AlreadyExists") {
        const ns = plan.namespace ? ` in namespace "${plan.namespace}"` : "";
        return new InputError(
          `${where}: metadata.name: "${plan.body.metadata.name}" already exists${ns}`,
          {
            cause: err,
          },
        );
      }
      return err;
    case 400:
    case 422: {
      const causes = err.causes.filter((c) => c.message || c.field);
      if (causes.length === 0) {
        // Strict decoding errors name their fields only in the message:
        // `... strict decoding error: unknown field "spec.bogus", duplicate field "x"`.
        const fields = [...message.matchAll(/(unknown|duplicate) field "([^"]+)"/g)];
        if (fields.length > 0) {
          const text = fields.map(([, what, field]) => `${field}: ${what} field`).join("; ");
          return new InputError(`${where}: ${text}`, { cause: err });
        }
        return new InputError(`${where}: ${message}`, { cause: err });
      }
      const text = causes
        .map((c) =>
          c.field
            ? `${c.field.replace(/^\./, "")}: ${oneLine(c.message ?? "")}`
            : oneLine(c.message ?? "")
        )
        .join("; ");
      return new InputError(`${where}: ${text}`, { cause: err });
    }
    default:
      return err;
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
