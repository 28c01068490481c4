/**
 * Finds and loads the kube config of a run, the way Kubernetes tools do.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Cluster, type Context, KubeConfig, type User } from "@kubernetes/client-node";
import { errorText, InputError } from "../errors.ts";

/**
 * Where a pod's service account files live.
 */
export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/**
 * Options of {@linkcode loadKubeConfig}.
 */
export interface LoadKubeConfigOptions {
  /** An explicit kube config file (`--kubeconfig`); it must exist. */
  kubeconfig?: string;
  /** The context to use (`--context`); must exist in the loaded config. */
  context?: string;
  /**
   * Use the pod's service account (`--in-cluster`).
   *
   * @default {false}
   */
  inCluster?: boolean;
  /**
   * Files searched first, in order (`kube_config_extra_locations`); the first existing one is used.
   *
   * @default {[]}
   */
  extraLocations?: string[];
  /**
   * Environment (`KUBECONFIG`, `HOME`, `KUBERNETES_SERVICE_HOST`/`PORT`).
   *
   * @default {Deno.env.toObject()}
   */
  env?: Record<string, string | undefined>;
  /**
   * Home directory for `~/.kube/config`.
   *
   * @default {env.HOME ?? env.USERPROFILE}
   */
  homeDir?: string;
  /**
   * Service account directory.
   *
   * @default {SERVICE_ACCOUNT_DIR}
   */
  serviceAccountDir?: string;
}

/**
 * A loaded kube config and where it came from.
 */
export interface LoadedKubeConfig {
  /** The client-node config, with the requested context selected. */
  kubeConfig: KubeConfig;
  /** Where it came from: a file path, `KUBECONFIG=a:b`, or `in-cluster (<service account dir>)`. */
  source: string;
}

function loadFile(path: string, what: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(path);
  } catch (error) {
    const reason = errorText(error).split("\n", 1)[0];
    throw new InputError(`${what} ${path}: cannot load: ${reason}`, { cause: error });
  }
  return config;
}

/**
 * Merges kube config files the way kubectl merges `KUBECONFIG`: the first
 * file that defines a cluster, user or context name wins, and the current
 * context is the first one set. (client-node's `loadFromDefault` instead
 * throws on duplicate names and takes the last current context, so kjo does
 * its own merge.)
 */
function mergeFiles(paths: string[]): KubeConfig {
  const clusters = new Map<string, Cluster>();
  const users = new Map<string, User>();
  const contexts = new Map<string, Context>();
  let currentContext: string | undefined;
  for (const path of paths) {
    const config = loadFile(path, "KUBECONFIG file");
    for (const cluster of config.getClusters()) {
      if (!clusters.has(cluster.name)) clusters.set(cluster.name, cluster);
    }
    for (const user of config.getUsers()) if (!users.has(user.name)) users.set(user.name, user);
    for (const context of config.getContexts()) {
      if (!contexts.has(context.name)) contexts.set(context.name, context);
    }
    currentContext ||= config.getCurrentContext() || undefined;
  }
  const merged = new KubeConfig();
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext,
  });
  return merged;
}

/**
 * A kube config for the pod's service account, like client-node's
 * `loadFromCluster` (token file auth, so rotated tokens are re-read) but with
 * the server taken from `env`.
 */
function inClusterConfig(
  env: Record<string, string | undefined>,
  dir: string,
): KubeConfig | string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set";
  if (!existsSync(join(dir, "token"))) return `no service account token at ${join(dir, "token")}`;
  const scheme = ["80", "8080", "8001"].includes(port) ? "http" : "https";
  const server = `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  const namespaceFile = join(dir, "namespace");
  const namespace = existsSync(namespaceFile)
    ? Deno.readTextFileSync(namespaceFile).trim() || undefined
    : undefined;
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: "inCluster", server, caFile: join(dir, "ca.crt"), skipTLSVerify: false }],
    users: [{
      name: "inClusterUser",
      authProvider: { name: "tokenFile", config: { tokenFile: join(dir, "token") } },
    }],
    contexts: [{
      name: "inClusterContext",
      cluster: "inCluster",
      user: "inClusterUser",
      namespace,
    }],
    currentContext: "inClusterContext",
  });
  return config;
}

function selectContext(loaded: LoadedKubeConfig, context: string | undefined): LoadedKubeConfig {
  const names = loaded.kubeConfig.getContexts().map((c) => c.name);
  if (context !== undefined) {
    if (!names.includes(context)) {
      throw new InputError(
        `context ${JSON.stringify(context)} not found in ${loaded.source} (contexts: ${
          names.join(", ") || "none"
        })`,
      );
    }
    loaded.kubeConfig.setCurrentContext(context);
    return loaded;
  }
  const current = loaded.kubeConfig.getCurrentContext();
  if (names.length === 0) throw new InputError(`${loaded.source}: has no contexts`);
  if (!current || !names.includes(current)) {
    throw new InputError(
      `${loaded.source}: current context ${
        JSON.stringify(current ?? "")
      } is not set or not defined; pass --context (contexts: ${names.join(", ")})`,
    );
  }
  return loaded;
}

/**
 * Loads the kube config of a run. The first that applies wins:
 * 1. `kubeconfig` (must exist);
 * 2. `inCluster`: the pod's service account (`KUBERNETES_SERVICE_HOST`/`PORT`
 *    and the token file must exist);
 * 3. the first existing file of `extraLocations`;
 * 4. `KUBECONFIG` (a colon-separated list): the existing files, merged like
 *    kubectl does (first definition of a name and first current context win);
 * 5. `~/.kube/config`;
 * 6. the pod's service account, when its token file exists.
 *
 * Then `context`, when given, is selected; otherwise the config's current
 * context must be set.
 *
 * @throws {InputError} when nothing is found (`no kube config found (looked
 * in: ...)`), a file cannot be loaded, or the context does not exist (listing
 * the contexts there are).
 */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = options.env ?? Deno.env.toObject();
  const serviceAccountDir = options.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  const select = (kubeConfig: KubeConfig, source: string) =>
    selectContext({ kubeConfig, source }, options.context);

  if (options.kubeconfig !== undefined) {
    if (!existsSync(options.kubeconfig)) {
      throw new InputError(`kubeconfig ${options.kubeconfig}: file not found`);
    }
    return select(loadFile(options.kubeconfig, "kubeconfig"), options.kubeconfig);
  }
  const inClusterSource = `in-cluster (${serviceAccountDir})`;
  if (options.inCluster) {
    const config = inClusterConfig(env, serviceAccountDir);
    if (typeof config === "string") throw new InputError(`in-cluster config: ${config}`);
    return select(config, inClusterSource);
  }
  const looked: string[] = [];
  for (const path of options.extraLocations ?? []) {
    looked.push(path);
    if (existsSync(path)) return select(loadFile(path, "kube config"), path);
  }
  const kubeconfigList = (env.KUBECONFIG ?? "").split(":").filter((path) => path !== "");
  if (kubeconfigList.length > 0) {
    looked.push(`KUBECONFIG=${env.KUBECONFIG}`);
    const existing = kubeconfigList.filter((path) => existsSync(path));
    if (existing.length > 0) {
      return select(mergeFiles(existing), `KUBECONFIG=${existing.join(":")}`);
    }
  }
  const home = options.homeDir ?? env.HOME ?? env.USERPROFILE;
  if (home) {
    const path = join(home, ".kube", "config");
    looked.push(path);
    if (existsSync(path)) return select(loadFile(path, "kube config"), path);
  }
  looked.push(inClusterSource);
  const config = inClusterConfig(env, serviceAccountDir);
  if (typeof config !== "string") return select(config, inClusterSource);
  throw new InputError(`no kube config found (looked in: ${looked.join(", ")})`);
}
