/**
 * Following one run on a {@linkcode NamespaceHub} until it is decided: the
 * loop every follow runs, whether its hub is shared by many runs
 * (`RunFollower`, `kjo serve`) or narrowed to this run (`kjo run`,
 * `kjo attach`).
 *
 * @module
 */

import type { KubeClient } from "../kube/kube_client.ts";
import type { KubeEvent } from "../kube/kube_event.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { ApiError } from "../kube/api_error.ts";
import { objectPath, resolveResource } from "../kube/resource_paths.ts";
import { RUN_ID_LABEL } from "../kube/labels.ts";
import type { PodLike } from "../runner/_pod_cache.ts";
import type { FinalVerdict } from "../runner/_run_tracker.ts";
import type { NamespaceHub } from "./namespace_hub.ts";
import type { RunState } from "./_run_state.ts";

/** Options of {@linkcode trackOnHub}. */
export interface TrackOnHubOptions {
  client: KubeClient;
  hub: NamespaceHub;
  /** The run's state; something else calls its `tick` periodically. */
  state: RunState;
  namespace: string;
  /** The run's resources as they are in the cluster; the first is tracked. */
  created: KubeObject[];
  /** Aborting stops the follow at once, undecided. */
  signal: AbortSignal;
  /**
   * Read the run's tracked resource, pods and their Events once after joining the hub. Needed
   * when the hub's watches began after things happened to the run: they
   * already ran when it joined, or the Event watch starts from now.
   * @default {hub.watching} (before this run joined)
   */
  catchUp?: boolean;
  /** Called once the run has caught up with the hub's watches. */
  caughtUp?: () => void;
}

/** Pods listed per request when a run reads its pods (a Job may have thousands). */
const POD_PAGE = 100;
/** Objects whose Events a catching-up run reads at once. */
const EVENT_READS_AT_ONCE = 8;

/**
 * Feeds `state` from `hub` until the run is decided or `signal` aborts, then
 * (decided) follows the pods the watch has not shown yet and drains their
 * logs. Resolves to the verdict, `undefined` when aborted; rejects when a
 * watch the run needs ended for good. The run has left the hub when it
 * settles.
 */
export async function trackOnHub(options: TrackOnHubOptions): Promise<FinalVerdict | undefined> {
  const { client, hub, state, namespace, created, signal } = options;
  const aborted = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    signal.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  const catchUpFirst = options.catchUp ?? hub.watching;
  const leave = hub.subscribe(state);
  try {
    for (const object of created) hub.claim(state.runId, object.metadata.uid);
    state.onTracked("MODIFIED", created[0]);
    if (catchUpFirst) {
      // The watches listed before this run joined (or Events are watched from
      // now): read its tracked resource, pods and their events once (the state
      // drops copies older than what it has, and Events it has seen).
      await Promise.race([catchUp(client, hub, state, namespace, created), aborted]);
    }
    options.caughtUp?.();
    const verdict = await Promise.race([state.tracker.decided, aborted, state.failed]);
    if (verdict && !signal.aborted) {
      // Pods the watch has not shown yet (a Job can complete before its
      // last pod update arrives): list them once so every container is followed.
      // An abort meanwhile stops the drain (the finally block stops the followers).
      await Promise.race([
        listRunPods(client, state.runId, namespace).then((pods) => state.drain(pods)),
        aborted,
      ]);
    }
    return signal.aborted ? undefined : verdict;
  } finally {
    state.stop();
    await leave();
  }
}

async function catchUp(
  client: KubeClient,
  hub: NamespaceHub,
  state: RunState,
  namespace: string,
  created: KubeObject[],
): Promise<void> {
  // The tracked resource may have changed (or gone) after it was read and
  // before the run joined: the watch showed that to nobody.
  const tracked = created[0];
  try {
    const info = await resolveResource(client, tracked);
    const path = objectPath(info, tracked.metadata.name!, info.namespaced ? namespace : undefined);
    const fresh = await client.request<KubeObject>({ path });
    state.onTracked("MODIFIED", { ...fresh, apiVersion: tracked.apiVersion, kind: tracked.kind });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) state.onTracked("DELETED", tracked);
    // Otherwise the watch shows its next change.
  }
  const pods = await listRunPods(client, state.runId, namespace);
  for (const pod of pods) {
    hub.claim(state.runId, pod.metadata.uid); // later Events of the pod go to the run
    state.onPod("MODIFIED", pod);
  }
  const uids = [...created, ...pods].map((o) => o.metadata.uid).filter((u) => u !== undefined);
  for (let i = 0; i < uids.length; i += EVENT_READS_AT_ONCE) {
    await Promise.all(
      uids.slice(i, i + EVENT_READS_AT_ONCE).map(async (uid) => {
        const list = await client.request<{ items?: KubeEvent[] }>({
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/events`,
          query: { fieldSelector: `involvedObject.uid=${uid}` },
        }).catch((): { items?: KubeEvent[] } => ({}));
        for (const event of list.items ?? []) state.onEvent(event);
      }),
    );
  }
}

/** The run's pods, read in pages; what could not be read is left out (the watch still shows it). */
async function listRunPods(
  client: KubeClient,
  runId: string,
  namespace: string,
): Promise<PodLike[]> {
  type PodList = { items?: PodLike[]; metadata?: { continue?: string } };
  const pods: PodLike[] = [];
  let cont: string | undefined;
  do {
    const page = await client.request<PodList>({
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
      query: { labelSelector: `${RUN_ID_LABEL}=${runId}`, limit: POD_PAGE, continue: cont },
    }).catch((): PodList => ({}));
    for (const pod of page.items ?? []) pods.push({ ...pod, apiVersion: "v1", kind: "Pod" });
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return pods;
}
