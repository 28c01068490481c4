/**
 * What kjo reads in container lines: `::kube_api:` events, XCom and log
 * levels. (Line framing and timestamps live with the log follower in
 * `src/kube/`, which must split lines at the same byte offsets on resume.)
 *
 * @module
 */

export * from "./kube_api_event.ts";
export * from "./log_level.ts";
export * from "./xcom_collector.ts";
