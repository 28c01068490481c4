/**
 * The result of a shared follow that was detached (the decided and
 * interrupted results are the runner's, see src/runner/_result_events.ts).
 *
 * @module
 */

import { ExitCode } from "../errors.ts";
import { type ResultEvent, resultEvent } from "../output/run_event.ts";
import type { ResultCommon } from "../runner/_result_events.ts";

/** The abort reason that detaches a follow: stop following, delete nothing. */
export const DETACH = "detach";

/**
 * The result of a follow that was detached: the run goes on, nothing was
 * deleted. Exit code 143 (stopped from outside), state `Detached`.
 */
export function detachedResult(common: ResultCommon): ResultEvent {
  return resultEvent({
    state: "Detached",
    exitCode: ExitCode.Terminated,
    reason: "Detached",
    message: `detached; run ${common.runId} goes on and nothing was deleted`,
    xcom: {},
    ...common,
  });
}
