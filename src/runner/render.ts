/**
 * The library's `render()`: the final manifests of a run, without a cluster.
 *
 * @module
 */

import { buildBody, type BuildBodyOptions } from "../body/build_body.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { newRunId } from "./run_id.ts";

/**
 * Options of {@linkcode render}: those of a body, the run id optional. A
 * given run id also seeds the random name postfix (`seedFromRunId`).
 */
export type RenderOptions = Omit<BuildBodyOptions, "runId"> & { runId?: string };

/**
 * Renders and augments a body as `run()` would, without touching a cluster.
 * With a given `runId` the output is deterministic: the random name postfix
 * is drawn from the run id, so the same options give the same names (as
 * `kjo render --run-id`). Without one, the run id is new and the postfix
 * random.
 *
 * @throws {InputError} on bad input, naming the document and field.
 *
 * @example
 * ```ts
 * import { render } from "../../mod.ts";
 *
 * const objects = await render({ source: { bodyFile: "fixtures/job_hello.yaml" }, runId: "demo" });
 * console.log(objects[0].metadata.name); // the same on every call
 * ```
 */
export function render(options: RenderOptions): Promise<KubeObject[]> {
  return buildBody({
    seedFromRunId: options.runId !== undefined,
    ...options,
    runId: options.runId ?? newRunId(),
  });
}
