/**
 * The lists of values a setting, option or flag can take: delete policies,
 * output formats, event modes, the containers events are read from, pull
 * policies, the kinds of an image-only run, log levels.
 * Settings, body options and CLI flags all check against these lists. Like
 * `errors.ts` this module sits below every layer, since the body (pull
 * policies, kinds) and the runner (delete policies) both need them.
 *
 * @module
 */

/**
 * When the resources of a run are deleted.
 */
export const DELETE_POLICIES = ["Always", "Never", "IfFailed", "IfSucceeded"] as const;

/** One of {@linkcode DELETE_POLICIES}. */
export type DeletePolicy = typeof DELETE_POLICIES[number];

/** Kinds an image-only run can create (`--kind`, `default_execution_object`). */
export const EXECUTION_OBJECTS = ["Job", "Pod"] as const;

/** One of {@linkcode EXECUTION_OBJECTS}. */
export type ExecutionObject = typeof EXECUTION_OBJECTS[number];

/** Output formats of `kjo run` and `kjo attach` (`-o`, `output`). */
export const OUTPUT_FORMATS = ["text", "jsonl"] as const;

/**
 * Which Kubernetes events a writer shows (`--events`, `events`): `all`,
 * `warnings` (every type but `Normal`) or `none`.
 */
export const EVENT_MODES = ["all", "warnings", "none"] as const;

/** One of {@linkcode EVENT_MODES}. */
export type EventMode = typeof EVENT_MODES[number];

/**
 * Which containers' `::kube_api:` lines are read as events (`--events-from`,
 * `events_from`): every container, or only each pod's main container.
 */
export const EVENTS_FROM = ["all", "main"] as const;

/** One of {@linkcode EVENTS_FROM}. */
export type EventsFrom = typeof EVENTS_FROM[number];

/** Image pull policies Kubernetes accepts. */
export const PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;

/** One of {@linkcode PULL_POLICIES}. */
export type PullPolicy = typeof PULL_POLICIES[number];

/**
 * Log levels of kjo's own messages (`log_level`): `info` shows its info,
 * warning and error messages, `debug` also its debug messages (e.g. why a
 * watch or log stream reconnected). Text output only; JSON lines carry every
 * message with its level.
 */
export const LOG_LEVELS = ["info", "debug"] as const;
