/**
 * Helpers for integration tests: the local cluster's kube config, a
 * namespace per test file, and polling.
 *
 * Tests that import this fail loudly when the local cluster is not running:
 * start it with `deno task cluster:up` (scripts/test.sh does).
 *
 * @module
 */

import * as k8s from "@kubernetes/client-node";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Repository root. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Path of the local cluster's admin kubeconfig. */
export const kubeconfigPath = Deno.env.get("KJO_TEST_KUBECONFIG") ??
  `${repoRoot}.devcluster/kubeconfig`;

/**
 * Loads the local cluster's kube config, or throws with how to start it.
 *
 * @example
 * ```ts
 * const kc = loadTestKubeConfig();
 * ```
 */
export function loadTestKubeConfig(): k8s.KubeConfig {
  if (!existsSync(kubeconfigPath)) {
    throw new Error(
      `no local cluster: ${kubeconfigPath} is missing; run 'deno task cluster:up' first`,
    );
  }
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc;
}

/** API clients for a test. */
export interface TestCluster {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  batch: k8s.BatchV1Api;
  namespace: string;
}

/**
 * Creates a fresh namespace for a test file and returns clients; call
 * `dispose()` at the end to delete the namespace.
 *
 * @example
 * ```ts
 * const cluster = await useTestNamespace("devcluster-jobs");
 * try { ... } finally { await cluster.dispose(); }
 * ```
 */
export async function useTestNamespace(
  prefix: string,
): Promise<TestCluster & { dispose: () => Promise<void> }> {
  const kc = loadTestKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const batch = kc.makeApiClient(k8s.BatchV1Api);
  const namespace = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await waitFor(`default ServiceAccount in ${namespace}`, 30_000, async () => {
    try {
      await core.readNamespacedServiceAccount({ name: "default", namespace });
      return true;
    } catch {
      return false;
    }
  });
  return {
    kc,
    core,
    batch,
    namespace,
    dispose: async () => {
      await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    },
  };
}

/** One test of a {@linkcode namespaceTests} group: a name and a function, or a step definition. */
export type GroupTest = {
  (name: string, fn: (t: Deno.TestContext) => void | Promise<void>): void;
  (definition: Deno.TestStepDefinition): void;
};

/**
 * Groups the tests of one file that share a test namespace: each call of the
 * returned function adds a step to one `Deno.test` named `name`, and the
 * namespace is deleted after the last step, whether the steps passed or not.
 * Deleting it is thus teardown, not a test that counts as passing.
 * `deno test --filter` matches the group's name (steps always all run).
 *
 * @example
 * ```ts
 * const cluster = await useTestNamespace("kjo-run");
 * const test = namespaceTests("kjo run", cluster);
 * test("kjo run: succeeds", async () => {});
 * ```
 */
export function namespaceTests(
  name: string,
  cluster: { dispose: () => Promise<void> },
): GroupTest {
  const steps: Deno.TestStepDefinition[] = [];
  Deno.test(name, async (t) => {
    try {
      if (steps.length === 0) throw new Error(`${name}: no tests were added`);
      for (const step of steps) await t.step(step);
    } finally {
      await cluster.dispose();
    }
  });
  return ((
    nameOrDefinition: string | Deno.TestStepDefinition,
    fn?: Deno.TestStepDefinition["fn"],
  ) => {
    steps.push(
      typeof nameOrDefinition === "string" ? { name: nameOrDefinition, fn: fn! } : nameOrDefinition,
    );
  }) as GroupTest;
}

/**
 * Polls `check` every 200 ms until it returns a truthy value, which is
 * returned; throws after `timeoutMs` naming what was awaited.
 *
 * @example
 * ```ts
 * const pod = await waitFor("pod done", 30_000, async () => (await read()).status?.phase === "Succeeded" && pod);
 * ```
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | false | undefined | null> | T | false | undefined | null,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError });
}

/**
 * A minimal container for the local cluster: the node agent runs `command`
 * as a host process and never pulls the image.
 *
 * @example
 * ```ts
 * shContainer("main", "echo hello")
 * ```
 */
export function shContainer(name: string, script: string): k8s.V1Container {
  return { name, image: "busybox", command: ["sh", "-c", script] };
}
