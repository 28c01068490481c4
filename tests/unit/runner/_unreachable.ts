/**
 * Kube configs for the runner's unit tests: clusters nobody listens on, so
 * runs fail with a ClusterError without any network beyond loopback.
 *
 * @module
 */

import { KubeConfig } from "@kubernetes/client-node";

/**
 * The address of a cluster that refuses connections (port 1 of loopback).
 *
 * @example
 * ```ts
 * const kc = unreachableKubeConfig(UNREACHABLE_SERVER);
 * ```
 */
export const UNREACHABLE_SERVER = "http://127.0.0.1:1";

/**
 * A kube config whose current context points at `server` (default
 * {@linkcode UNREACHABLE_SERVER}), namespace `jobs`.
 *
 * @example
 * ```ts
 * await run({ source: { image: "busybox" }, kubeConfig: unreachableKubeConfig() });
 * ```
 */
export function unreachableKubeConfig(server = UNREACHABLE_SERVER): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "nowhere", server, skipTLSVerify: true }],
    users: [{ name: "tester", token: "test-token" }],
    contexts: [{ name: "nowhere", cluster: "nowhere", user: "tester", namespace: "jobs" }],
    currentContext: "nowhere",
  });
  return kc;
}

/**
 * The same config as a kubeconfig file in a new temporary directory.
 *
 * @example
 * ```ts
 * const path = await unreachableKubeconfigFile();
 * ```
 */
export async function unreachableKubeconfigFile(server = UNREACHABLE_SERVER): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "kjo-runner-test-" });
  const path = `${dir}/kubeconfig`;
  await Deno.writeTextFile(path, unreachableKubeConfig(server).exportConfig());
  return path;
}
