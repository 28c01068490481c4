/**
 * kjo as a library: run a task as Kubernetes resources (a Job, a Pod with
 * sidecars, several resources, custom kinds), relay every pod's logs and
 * events, decide the result, explain failures and clean up.
 *
 * @example Run an image and print its log lines
 * ```ts
 * import { run } from "./mod.ts";
 *
 * if (import.meta.main) {
 *   const result = await run({
 *     source: { image: "busybox", command: ["sh", "-c", "echo hello"] },
 *     deletePolicy: "Always",
 *     onEvent: (event) => {
 *       if (event.type === "log") console.log(`${event.pod}/${event.container} | ${event.line}`);
 *     },
 *   });
 *   console.log(result.state, result.exitCode, result.xcom);
 * }
 * ```
 *
 * @example A custom kind judged by a function
 * ```ts
 * import { KindRegistry, run } from "./mod.ts";
 *
 * const kinds = KindRegistry.withBuiltins().register("example.com/v1", "Widget", (widget) => {
 *   const phase = (widget.status as { phase?: string } | undefined)?.phase;
 *   return { state: phase === "Done" ? "Succeeded" : phase === "Error" ? "Failed" : "Running" };
 * });
 * if (import.meta.main) {
 *   await run({ source: { bodyFile: "widget.yaml" }, kinds });
 * }
 * ```
 *
 * @module
 */

export { run } from "./src/runner/run.ts";
export { attach, type AttachOptions } from "./src/runner/attach.ts";
export { runEvents, type RunEventStream } from "./src/runner/run_events.ts";
export type { KubeConnectionOptions, RunOptions } from "./src/runner/run_options.ts";
export { render, type RenderOptions } from "./src/runner/render.ts";
export type { BodySource, BuildBodyOptions } from "./src/body/build_body.ts";
export type { DeletePolicy } from "./src/choices.ts";
export { KindRegistry } from "./src/kinds/kind_registry.ts";
export { loadCustomKindRules, parseCustomKindRules } from "./src/kinds/custom_kind_rules.ts";
export type { ResourceState, StateRule, StateVerdict } from "./src/kinds/resource_state.ts";
export type { KubeObject } from "./src/kube/kube_object.ts";
export type {
  ApiEvent,
  EventSink,
  InfoEvent,
  K8sEvent,
  LogEvent,
  ResultEvent,
  RunEvent,
  StatusEvent,
} from "./src/output/run_event.ts";
export { ClusterError, ExitCode, InputError, KjoError } from "./src/errors.ts";
export { newRunId } from "./src/runner/run_id.ts";
export { RUN_ID_LABEL } from "./src/kube/labels.ts";
export {
  type CleanupRunOptions,
  DETACH,
  type FollowOptions,
  RunFollower,
  type RunFollowerOptions,
} from "./src/follower/run_follower.ts";
