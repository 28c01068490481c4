/**
 * Delete policies: which outcomes of a run delete its resources.
 *
 * @module
 */

import type { DeletePolicy } from "../choices.ts";

/**
 * Whether a run that ended with `succeeded` deletes its resources under
 * `policy`. Interrupted runs always delete (see the runner).
 */
export function shouldDelete(policy: DeletePolicy, succeeded: boolean): boolean {
  switch (policy) {
    case "Always":
      return true;
    case "Never":
      return false;
    case "IfFailed":
      return !succeeded;
    case "IfSucceeded":
      return succeeded;
  }
}
