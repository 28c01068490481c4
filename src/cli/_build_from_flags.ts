/**
 * Builds the body the flags describe, as `kjo run` builds it, for the
 * subcommands that only look at it (`render`, `validate`, `rbac`).
 *
 * @module
 */

import type { Settings } from "../config/settings.ts";
import type { KubeObject } from "../kube/kube_object.ts";
import { render } from "../runner/render.ts";
import {
  type BodyFlags,
  bodyOptions,
  bodySettingFlags,
  type ClusterFlags,
  clusterSettingFlags,
  settingsFrom,
} from "./_options.ts";

/**
 * The body the flags describe, built as `kjo run` builds it, with the
 * settings used, by the library's `render()`: a given `--run-id` also seeds
 * the random name postfix, so the result is the same on every call; without
 * it the run id is new and the postfix random.
 */
export async function buildFromFlags(
  rest: string[],
  flags: BodyFlags & ClusterFlags,
): Promise<{ settings: Settings; objects: KubeObject[] }> {
  const settings = await settingsFrom({
    ...clusterSettingFlags(flags),
    ...bodySettingFlags(flags),
  });
  const options = await bodyOptions(flags, settings, rest);
  return { settings, objects: await render({ ...options, runId: flags.runId }) };
}
