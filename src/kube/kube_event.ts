/**
 * Kubernetes Events (core v1) as kjo reads them: the fields it uses and
 * when an Event last happened. Followers watch them through
 * `src/follower/namespace_hub.ts` and de-duplicate them per run.
 *
 * @module
 */

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
