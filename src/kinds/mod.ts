/**
 * State rules: Pod, Job, declarative custom kinds, and the registry.
 *
 * @module
 */

export * from "./resource_state.ts";
export * from "./object_conditions.ts";
export * from "./pod_containers.ts";
export * from "./job_state.ts";
export * from "./pod_state.ts";
export * from "./image_pull_failure.ts";
export * from "./startup_problems.ts";
export * from "./custom_kind_rules.ts";
export * from "./kind_registry.ts";
