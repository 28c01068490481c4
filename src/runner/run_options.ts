/**
 * The options of one run, for the library's `run()` and the CLI's `kjo run`.
 *
 * @module
 */

import type { KubeConfig } from "@kubernetes/client-node";
import type { BuildBodyOptions } from "../body/build_body.ts";
import type { LoadKubeConfigOptions } from "../config/kubeconfig.ts";
import type { KindRegistry } from "../kinds/kind_registry.ts";
import type { EventSink } from "../output/run_event.ts";
import type { DeletePolicy, EventsFrom } from "../choices.ts";

/**
 * Where the kube config comes from: a ready one, or what `loadKubeConfig`
 * takes (`kubeconfig`, `context`, `inCluster`, `extraLocations`).
 */
export interface KubeConnectionOptions
  extends Pick<LoadKubeConfigOptions, "kubeconfig" | "context" | "inCluster" | "extraLocations"> {
  /** A ready kube config (library callers); wins over every other field. */
  kubeConfig?: KubeConfig;
}

/**
 * Everything one run needs. Only the body source is required.
 */
export interface RunOptions extends Omit<BuildBodyOptions, "runId">, KubeConnectionOptions {
  /** The run id (label `kjo/run-id`); a new random one when absent. */
  runId?: string;
  /**
   * When resources are deleted at the end.
   * @default {"IfSucceeded"}
   */
  deletePolicy?: DeletePolicy;
  /**
   * Relay container logs.
   * @default {true}
   */
  getLogs?: boolean;
  /**
   * Also relay `::kube_api:` lines as log lines.
   * @default {false}
   */
  relayApiEventLines?: boolean;
  /**
   * Seconds until something of the run must run.
   * @default {120}
   */
  startupTimeoutSeconds?: number;
  /** Seconds the whole run may take; no limit when absent. */
  executionTimeoutSeconds?: number;
  /**
   * Seconds a container may stay in ErrImagePull and the like.
   * @default {30}
   */
  imagePullFailureGraceSeconds?: number;
  /** State rules; the built-ins (Pod, Job) when absent. */
  kinds?: KindRegistry;
  /** Receives every event of the run, the last being the result. */
  onEvent?: EventSink;
  /** Aborting it stops the run and deletes its resources (reason `SIGINT`/`SIGTERM` gives exit 130/143). */
  signal?: AbortSignal;
  /**
   * Labels that identify the task across retries (e.g. Airflow's dag, task,
   * run and map index). They are added to every resource, and `reattach`
   * looks for a live run carrying them.
   */
  identityLabels?: Record<string, string>;
  /** Attach to a live run with the same `identityLabels` instead of creating a new one. */
  reattach?: boolean;
  /** Create the resources and return a `Submitted` result at once (follow later with `attach`). */
  detach?: boolean;
  /**
   * Add the level a line names (`ERROR ...`) to log events (detect_kubernetes_log_level).
   * @default {true}
   */
  detectLogLevel?: boolean;
  /**
   * Parse `::kube_api:xcom=` values as JSON objects into the result's `xcom`
   * (a value that is not a JSON object fails the run). When false, xcom
   * events carry only their raw value.
   * @default {true}
   */
  parseXcom?: boolean;
  /**
   * Largest XCom of the run (its JSON, UTF-8 bytes); more fails the run.
   * @default {1048576}
   */
  xcomMaxBytes?: number;
  /**
   * Deepest nesting of an xcom value; deeper fails the run.
   * @default {32}
   */
  xcomMaxDepth?: number;
  /**
   * Whose `::kube_api:` lines are events: `all` containers, or only each
   * pod's `main` container (the one the
   * `kubernetes_job_operator.main_container` annotation names, else the
   * first); other containers' lines are then log lines.
   * @default {"all"}
   */
  eventsFrom?: EventsFrom;
  /** Relay log lines from this time on (RFC 3339) instead of from each container's start. */
  logsSince?: string;
  /**
   * Milliseconds of silence after which a watch or log stream is reconnected.
   * @default {30000}
   */
  stallTimeoutMs?: number;
}
