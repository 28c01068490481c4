/**
 * The least-privilege Role (or ClusterRole) kjo needs for a body: pure rule
 * computation, no cluster access. The CLI (`kjo rbac`) resolves each kind of
 * the body to its REST resource first.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import type { KubeObject } from "../kube/kube_object.ts";

/**
 * One rule of a Role, as the RBAC API spells it.
 */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/**
 * A permission on one resource: the unit rules are merged from.
 */
export interface Grant {
  /** API group; `""` for the core group. */
  group: string;
  /** Resource (plural) or subresource, e.g. `pods/log`. */
  resource: string;
  verbs: readonly string[];
}

/**
 * One resource of a body, resolved to its RBAC resource.
 */
export interface BodyResource {
  /** Kind, for messages. */
  kind: string;
  /** Name, for messages. */
  name?: string;
  /** API group; `""` for the core group. */
  group: string;
  /** Resource name, e.g. `jobs`. */
  plural: string;
  namespaced: boolean;
  /** `metadata.namespace` of the resource, if the body sets one. */
  namespace?: string;
}

/**
 * What the role is for: `run` (`kjo run`: create, track, relay, delete) or
 * `cleanup` (`kjo cleanup`: list and delete by label).
 */
export type RolePurpose = "run" | "cleanup";

/**
 * Options of {@linkcode roleForBody}.
 */
export interface RoleForBodyOptions {
  /** The body's resources (for `cleanup`: the kinds cleaned up). */
  resources: BodyResource[];
  /**
   * What the role is for.
   *
   * @default {"run"}
   */
  purpose?: RolePurpose;
  /**
   * Emit one ClusterRole instead of Roles.
   *
   * @default {false}
   */
  clusterRole?: boolean;
  /**
   * `metadata.name` of the role(s).
   *
   * @default {"kjo"}
   */
  name?: string;
  /**
   * Namespace of the run (where pods and events are watched, and where
   * resources without a namespace go). Unset: the Role has no namespace, for
   * `kubectl apply -n`.
   */
  namespace?: string;
}

/**
 * Verbs on every resource of the body for `kjo run`: create (after a
 * server-side dry run, which needs create too), get (re-reading after an
 * ambiguous create, waiting until gone), list and watch (tracking), delete
 * (clean-up). No patch or update: kjo never changes an object it created.
 */
export const RUN_VERBS = ["get", "list", "watch", "create", "delete"] as const;

/** Verbs `kjo cleanup` needs on each kind it cleans up: list by label, delete. */
export const CLEANUP_VERBS = ["list", "delete"] as const;

/**
 * What every `kjo run` needs besides the body's own resources: the run's pods
 * (watched by label), their logs, and core events (relayed and used to
 * explain failures).
 */
export const RUN_BASE_GRANTS: readonly Grant[] = [
  { group: "", resource: "pods", verbs: ["get", "list", "watch"] },
  { group: "", resource: "pods/log", verbs: ["get"] },
  { group: "", resource: "events", verbs: ["get", "list", "watch"] },
  // The follower's heartbeat Lease (src/runner/heartbeat.ts): created, renewed, deleted.
  { group: "coordination.k8s.io", resource: "leases", verbs: ["create", "patch", "delete"] },
];

/**
 * What every `kjo cleanup` needs besides its kinds: listing the heartbeat
 * Leases, so `--older-than` leaves runs a kjo still follows alone.
 */
export const CLEANUP_BASE_GRANTS: readonly Grant[] = [
  { group: "coordination.k8s.io", resource: "leases", verbs: ["list"] },
];

const VERB_ORDER = [
  "get",
  "list",
  "watch",
  "create",
  "update",
  "patch",
  "delete",
  "deletecollection",
];

function verbRank(verb: string): number {
  const i = VERB_ORDER.indexOf(verb);
  return i < 0 ? VERB_ORDER.length : i;
}

/**
 * Merges grants into as few rules as possible: verbs are united per
 * resource, then resources of the same API group with the same verbs share a
 * rule. Rules are ordered by group (core first), then by first resource;
 * verbs read get, list, watch, create, delete.
 */
export function mergeGrants(grants: readonly Grant[]): PolicyRule[] {
  const perResource = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const grant of grants) {
    const key = `${grant.group}\u0000${grant.resource}`;
    let entry = perResource.get(key);
    if (!entry) {
      entry = { group: grant.group, resource: grant.resource, verbs: new Set() };
      perResource.set(key, entry);
    }
    for (const verb of grant.verbs) entry.verbs.add(verb);
  }
  const perRule = new Map<string, PolicyRule>();
  for (const entry of perResource.values()) {
    const verbs = [...entry.verbs].sort((a, b) => verbRank(a) - verbRank(b) || a.localeCompare(b));
    const key = `${entry.group}\u0000${verbs.join(",")}`;
    let rule = perRule.get(key);
    if (!rule) {
      rule = { apiGroups: [entry.group], resources: [], verbs };
      perRule.set(key, rule);
    }
    rule.resources.push(entry.resource);
  }
  const rules = [...perRule.values()];
  for (const rule of rules) rule.resources.sort();
  return rules.sort((a, b) =>
    a.apiGroups[0].localeCompare(b.apiGroups[0]) || a.resources[0].localeCompare(b.resources[0])
  );
}

/**
 * The grants `purpose` needs for `resources` (the body's resources for `run`,
 * the kinds cleaned up for `cleanup`), without namespaces.
 */
export function grantsFor(
  resources: readonly BodyResource[],
  purpose: RolePurpose = "run",
): Grant[] {
  const verbs = purpose === "run" ? RUN_VERBS : CLEANUP_VERBS;
  const own = resources.map((r) => ({ group: r.group, resource: r.plural, verbs }));
  return [...baseGrants(purpose), ...own];
}

function baseGrants(purpose: RolePurpose): readonly Grant[] {
  return purpose === "run" ? RUN_BASE_GRANTS : CLEANUP_BASE_GRANTS;
}

function describe(resource: BodyResource): string {
  return `${resource.kind}/${resource.name ?? "?"}`;
}

/**
 * The Role(s) or ClusterRole `kjo run` (or `kjo cleanup`) needs for a body.
 *
 * Without `clusterRole`: one Role for the run's namespace (pods, pods/log,
 * events, and the resources without a namespace of their own or in that
 * namespace), plus one Role per other namespace the body names, holding just
 * those resources' rules. A cluster-scoped resource cannot be granted by a
 * Role: that is an {@linkcode InputError} asking for `--cluster-role`.
 *
 * With `clusterRole`: one ClusterRole with every rule.
 *
 * @example The Role a run of one Job needs
 * ```ts
 * import { roleForBody } from "./role_for_body.ts";
 *
 * const [role] = roleForBody({
 *   resources: [{ kind: "Job", name: "build", group: "batch", plural: "jobs", namespaced: true }],
 *   name: "kjo-runner",
 *   namespace: "ci",
 * });
 * console.log(role.kind, role.metadata.name, role.rules);
 * ```
 */
export function roleForBody(options: RoleForBodyOptions): KubeObject[] {
  const purpose = options.purpose ?? "run";
  const name = options.name ?? "kjo";
  const apiVersion = "rbac.authorization.k8s.io/v1";
  if (options.clusterRole) {
    return [{
      apiVersion,
      kind: "ClusterRole",
      metadata: { name },
      rules: mergeGrants(grantsFor(options.resources, purpose)),
    }];
  }
  const clusterScoped = options.resources.find((r) => !r.namespaced);
  if (clusterScoped) {
    throw new InputError(
      `${
        describe(clusterScoped)
      }: ${clusterScoped.kind} is cluster-scoped and a Role cannot grant it; use --cluster-role`,
    );
  }
  // Run namespace first (key ""), then the other namespaces in order of appearance.
  const runNamespace = options.namespace ?? "";
  const byNamespace = new Map<string, BodyResource[]>([[runNamespace, []]]);
  for (const resource of options.resources) {
    const namespace = resource.namespace || runNamespace;
    const list = byNamespace.get(namespace) ?? [];
    list.push(resource);
    byNamespace.set(namespace, list);
  }
  const roles: KubeObject[] = [];
  for (const [namespace, resources] of byNamespace) {
    const grants = namespace === runNamespace
      ? grantsFor(resources, purpose)
      : grantsFor(resources, purpose).slice(baseGrants(purpose).length);
    if (grants.length === 0) continue;
    roles.push({
      apiVersion,
      kind: "Role",
      metadata: namespace === "" ? { name } : { name, namespace },
      rules: mergeGrants(grants),
    });
  }
  return roles;
}
