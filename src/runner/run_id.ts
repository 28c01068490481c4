/**
 * Run ids: the value of the `kjo/run-id` label that marks every resource of
 * one run.
 *
 * @module
 */

import { randomPostfix } from "../body/resource_name.ts";

/**
 * Makes a new run id: 12 lowercase letters and digits, valid as a label
 * value and as a name part.
 */
export function newRunId(): string {
  return randomPostfix(12);
}
