/**
 * The library's `render()`: the final manifests of a run, without a cluster.
 *
 * @module
 */

import { buildBody, type BuildBodyOptions } from "../body/build_body.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { newRunId } from "./run_id.ts";

/** Options of {@linkcode render}: those of a body, the run id optional. */
export type RenderOptions = Omit<BuildBodyOptions, "runId"> & { runId?: string };

/**
 * Renders and augments a body as `run()` would, without touching a cluster.
 *
 * @throws {InputError} on bad input, naming the document and field.
 *
 * @example
 * ```ts
 * const objects = await render({ source: { bodyFile: "fixtures/job_hello.yaml" }, runId: "demo" });
 * console.log(objects[0].metadata.name);
 * ```
 */
export function render(options: RenderOptions): Promise<KubeObject[]> {
  return buildBody({ ...options, runId: options.runId ?? newRunId() });
}
