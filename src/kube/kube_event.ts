/**
 * Kubernetes Events (core v1) as kjo reads them: the fields it uses, when
 * an Event last happened, and where a watch of the Events to come starts.
 * Followers watch them through `src/follower/namespace_hub.ts` and
 * de-duplicate them per run.
 *
 * @module
 */

import type { KubeClient } from "./kube_client.ts";
import type { KubeObject } from "./kube_object.ts";

/**
 * A core v1 Event (the fields kjo reads).
 */
export interface KubeEvent extends KubeObject {
  involvedObject: {
    apiVersion?: string;
    kind?: string;
    name?: string;
    namespace?: string;
    uid?: string;
    fieldPath?: string;
  };
  reason?: string;
  message?: string;
  /** `Normal` or `Warning`. */
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
}

/** When an Event last happened (ms since the epoch), from the first time field it has. */
export function eventTimeMs(event: KubeEvent): number | undefined {
  const text = event.lastTimestamp ?? event.series?.lastObservedTime ?? event.eventTime ??
    event.firstTimestamp ?? event.metadata.creationTimestamp;
  if (!text) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * The current resourceVersion of `namespace`'s Events, read with a one-item
 * list: where a watch of the Events that happen from now on starts without
 * listing them all. `undefined` when it cannot be read (the watch then lists).
 */
export async function eventsVersion(
  client: KubeClient,
  namespace: string,
): Promise<string | undefined> {
  const list = await client.request<{ metadata?: { resourceVersion?: string } }>({
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
    query: { limit: 1 },
  }).catch(() => undefined);
  return list?.metadata?.resourceVersion || undefined;
}
