/**
 * Maps `apiVersion`/`kind` to the REST path of the resource and whether it is
 * namespaced. Common built-in kinds are known statically; anything else is
 * looked up with API discovery (`/api/v1`, `/apis/{group}/{version}`), cached
 * per client.
 *
 * @module
 */

import { ClusterError, InputError } from "../errors.ts";
import { ApiError } from "./api_error.ts";
import type { KubeClient } from "./kube_client.ts";
import { knownResource } from "./known_resources.ts";
import { describeObject, type KubeObject } from "./kube_object.ts";

/**
 * Where a kind lives in the REST API.
 */
export interface ResourceInfo {
  apiVersion: string;
  /** API group; `""` for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Resource name in paths, e.g. `jobs`. */
  plural: string;
  namespaced: boolean;
  /** `/api/v1` or `/apis/{group}/{version}`. */
  basePath: string;
}

interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

const discoveryCache = new WeakMap<KubeClient, Map<string, Promise<DiscoveredResource[] | null>>>();

/**
 * Splits an `apiVersion` into group and version.
 */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  return slash < 0
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * Finds the resource of an object's `apiVersion`/`kind`.
 *
 * Throws {@linkcode InputError} `document N (Kind/name): kind: the cluster has
 * no resource for apiVersion/kind` when the cluster does not serve it, and
 * {@linkcode ClusterError} when discovery itself fails.
 *
 * @param documentIndex 1-based document number used in error messages.
 */
export async function resolveResource(
  client: KubeClient,
  object: Pick<KubeObject, "apiVersion" | "kind"> & { metadata?: KubeObject["metadata"] },
  documentIndex?: number,
): Promise<ResourceInfo> {
  const { apiVersion, kind } = object;
  const where = () => {
    const name = describeObject({ kind: kind || "?", metadata: object.metadata ?? {} });
    return documentIndex === undefined ? name : `document ${documentIndex} (${name})`;
  };
  if (typeof apiVersion !== "string" || apiVersion === "") {
    throw new InputError(`${where()}: apiVersion: must be a non-empty string`);
  }
  if (typeof kind !== "string" || kind === "") {
    throw new InputError(`${where()}: kind: must be a non-empty string`);
  }
  const { group, version } = splitApiVersion(apiVersion);
  const basePath = group === "" ? `/api/${version}` : `/apis/${group}/${version}`;
  const known = knownResource(apiVersion, kind);
  if (known) {
    return {
      apiVersion,
      group,
      version,
      kind,
      plural: known.plural,
      namespaced: known.namespaced,
      basePath,
    };
  }
  const resources = await discover(client, apiVersion, basePath);
  const found = resources?.find((r) => r.kind === kind && !r.name.includes("/"));
  if (!found) {
    throw new InputError(`${where()}: kind: the cluster has no resource for ${apiVersion}/${kind}`);
  }
  return {
    apiVersion,
    group,
    version,
    kind,
    plural: found.name,
    namespaced: found.namespaced,
    basePath,
  };
}

/**
 * Path of a resource's collection, in `namespace` when the resource is
 * namespaced and a namespace is given (all namespaces otherwise).
 */
export function collectionPath(info: ResourceInfo, namespace?: string): string {
  if (info.namespaced && namespace) {
    return `${info.basePath}/namespaces/${encodeURIComponent(namespace)}/${info.plural}`;
  }
  return `${info.basePath}/${info.plural}`;
}

/**
 * Path of one object.
 */
export function objectPath(info: ResourceInfo, name: string, namespace?: string): string {
  return `${collectionPath(info, namespace)}/${encodeURIComponent(name)}`;
}

function discover(
  client: KubeClient,
  apiVersion: string,
  basePath: string,
): Promise<DiscoveredResource[] | null> {
  let perClient = discoveryCache.get(client);
  if (!perClient) {
    perClient = new Map();
    discoveryCache.set(client, perClient);
  }
  let pending = perClient.get(apiVersion);
  if (!pending) {
    pending = fetchResourceList(client, basePath);
    perClient.set(apiVersion, pending);
    // Failures are not cached: the next call asks again.
    pending.catch(() => perClient.delete(apiVersion));
  }
  return pending;
}

async function fetchResourceList(
  client: KubeClient,
  basePath: string,
): Promise<DiscoveredResource[] | null> {
  try {
    const list = await client.request<{ resources?: DiscoveredResource[] }>({ path: basePath });
    return list?.resources ?? [];
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      throw new ClusterError(`API discovery of ${basePath} refused: ${err.message}`, {
        cause: err,
      });
    }
    throw err;
  }
}
