/**
 * Looks up the Nodes of a run's pods that no node has acknowledged, for
 * {@linkcode RunTracker} to tell a node that is gone or not ready.
 *
 * @module
 */

import type { KubeClient } from "../kube/kube_client.ts";
import { ApiError } from "../kube/api_error.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import type { RunTracker } from "./_run_tracker.ts";

/**
 * Reads the Nodes of pods that a node has not acknowledged for 5 s (each at
 * most every 10 s, one request at a time), so the tracker can tell a node
 * that is gone or not ready. Without the right to read Nodes it stops and
 * the startup timeout decides (`onForbidden` says so once). Call `check`
 * periodically.
 */
export function lookUpNodes(
  client: KubeClient,
  tracker: RunTracker,
  onForbidden: (message: string) => void,
): { check: () => void } {
  const lastRead = new Map<string, number>();
  let busy = false;
  let forbidden = false;
  return {
    check() {
      if (busy || forbidden) return;
      const now = Date.now();
      const name = tracker.nodesToCheck(5_000).find((n) => now - (lastRead.get(n) ?? 0) >= 10_000);
      if (!name) return;
      lastRead.set(name, now);
      busy = true;
      client.request<KubeObject>({ path: `/api/v1/nodes/${encodeURIComponent(name)}` })
        .then((node) => tracker.onNode(name, node))
        .catch((error) => {
          if (error instanceof ApiError && error.status === 404) tracker.onNode(name, null);
          else if (error instanceof ApiError && (error.status === 403 || error.status === 401)) {
            forbidden = true;
            onForbidden(
              `cannot read node ${name} (${error.message}); ` +
                "the startup timeout covers pods on lost nodes",
            );
          }
        })
        .finally(() => busy = false);
    },
  };
}
