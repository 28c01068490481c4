/**
 * The label and annotation keys kjo puts on the objects of its runs. They
 * live here, at the lowest layer that reads them (apply retries check the
 * run label), so every layer above uses the same keys.
 *
 * @module
 */

/**
 * The label that marks every resource (and pod) of a run with its run id.
 */
export const RUN_ID_LABEL = "kjo/run-id";

/** Label on the tracked (first) resource of a run, value `"true"`. */
export const TRACKED_LABEL = "kjo/tracked";

/** Annotation on the tracked resource listing every resource of the run (a JSON list). */
export const RESOURCES_ANNOTATION = "kjo/resources";

/** Label (value `"true"`) on the Lease of a process that follows many runs of a namespace. */
export const FOLLOWER_LABEL = "kjo/follower";

/** Annotation on a follower's Lease: the JSON list of the run ids it follows. */
export const FOLLOWED_RUNS_ANNOTATION = "kjo/followed-runs";
