/**
 * A static table of common Kubernetes kinds and their REST resources, so
 * kjo resolves ordinary kinds without API discovery and `kjo rbac` computes a
 * Role without asking a cluster.
 *
 * @module
 */

/**
 * Where a kind lives in the REST API (as paths and RBAC rules name it).
 */
export interface KnownResource {
  /** API group; `""` for the core group. */
  group: string;
  /** Resource name as RBAC rules use it, e.g. `jobs`. */
  plural: string;
  /** Whether objects of the kind live in a namespace. */
  namespaced: boolean;
}

type Entry = [kind: string, plural: string, namespaced: boolean];

const TABLE: Record<string, Entry[]> = {
  "v1": [
    ["Pod", "pods", true],
    ["Service", "services", true],
    ["ConfigMap", "configmaps", true],
    ["Secret", "secrets", true],
    ["ServiceAccount", "serviceaccounts", true],
    ["PersistentVolumeClaim", "persistentvolumeclaims", true],
    ["Endpoints", "endpoints", true],
    ["LimitRange", "limitranges", true],
    ["ResourceQuota", "resourcequotas", true],
    ["Event", "events", true],
    ["Namespace", "namespaces", false],
    ["PersistentVolume", "persistentvolumes", false],
  ],
  "batch/v1": [["Job", "jobs", true], ["CronJob", "cronjobs", true]],
  "apps/v1": [
    ["Deployment", "deployments", true],
    ["StatefulSet", "statefulsets", true],
    ["DaemonSet", "daemonsets", true],
    ["ReplicaSet", "replicasets", true],
  ],
  "networking.k8s.io/v1": [
    ["Ingress", "ingresses", true],
    ["NetworkPolicy", "networkpolicies", true],
  ],
  "policy/v1": [["PodDisruptionBudget", "poddisruptionbudgets", true]],
  "autoscaling/v1": [["HorizontalPodAutoscaler", "horizontalpodautoscalers", true]],
  "autoscaling/v2": [["HorizontalPodAutoscaler", "horizontalpodautoscalers", true]],
  "rbac.authorization.k8s.io/v1": [
    ["Role", "roles", true],
    ["RoleBinding", "rolebindings", true],
    ["ClusterRole", "clusterroles", false],
    ["ClusterRoleBinding", "clusterrolebindings", false],
  ],
  "events.k8s.io/v1": [["Event", "events", true]],
  "scheduling.k8s.io/v1": [["PriorityClass", "priorityclasses", false]],
  "storage.k8s.io/v1": [["StorageClass", "storageclasses", false]],
};

/**
 * The RBAC resource of a common `apiVersion`/`kind`, or `undefined` when the
 * table does not know it (custom kinds: ask the cluster).
 */
export function knownResource(apiVersion: string, kind: string): KnownResource | undefined {
  const entry = TABLE[apiVersion]?.find(([k]) => k === kind);
  if (!entry) return undefined;
  const slash = apiVersion.indexOf("/");
  return {
    group: slash < 0 ? "" : apiVersion.slice(0, slash),
    plural: entry[1],
    namespaced: entry[2],
  };
}
