/**
 * The requests of `kjo serve` (one JSON object a line on stdin), checked
 * field by field. See the README section "kjo serve".
 *
 * @module
 */

import { DELETE_POLICIES, type DeletePolicy } from "../choices.ts";
import { errorText } from "../errors.ts";

/** A request id, echoed in every event answering it. */
export type RequestId = string | number;

/** Which cluster a request is about (absent fields: `kjo serve`'s own flags). */
export interface ClusterRef {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
}

/** `{"op":"follow",...}`: follow a run until its result. */
export interface FollowRequest {
  op: "follow";
  id: RequestId;
  runId: string;
  namespace?: string;
  cluster?: ClusterRef;
  /**
   * Follow container logs.
   * @default {true}
   */
  logs?: boolean;
  deletePolicy?: DeletePolicy;
  startupTimeoutSeconds?: number;
  executionTimeoutSeconds?: number;
  imagePullFailureGraceSeconds?: number;
  /** RFC 3339: relay log lines from this time on. */
  logsSince?: string;
  parseXcom?: boolean;
  relayApiEventLines?: boolean;
  detectLogLevel?: boolean;
}

/** `{"op":"detach","id":...}`: stop the follow `id`, delete nothing. */
export interface DetachRequest {
  op: "detach";
  id: RequestId;
}

/** `{"op":"cleanup",...}`: delete a run's resources. */
export interface CleanupRequest {
  op: "cleanup";
  id: RequestId;
  runId: string;
  namespace?: string;
  cluster?: ClusterRef;
}

/** `{"op":"ping"}`: answered by a `pong` event. */
export interface PingRequest {
  op: "ping";
  id?: RequestId;
}

/** Any request. */
export type ServeRequest = FollowRequest | DetachRequest | CleanupRequest | PingRequest;

/** A line that is not a valid request: the reason, and the id when one could be read. */
export interface RequestError {
  error: string;
  id?: RequestId;
}

type Fields = Record<string, unknown>;

const FOLLOW_FIELDS: Record<string, (value: unknown) => string | undefined> = {
  runId: runIdCheck,
  namespace: stringCheck,
  cluster: clusterCheck,
  logs: booleanCheck,
  deletePolicy: (v) =>
    DELETE_POLICIES.includes(v as DeletePolicy)
      ? undefined
      : `must be one of ${DELETE_POLICIES.join(", ")}`,
  startupTimeoutSeconds: secondsCheck,
  executionTimeoutSeconds: secondsCheck,
  imagePullFailureGraceSeconds: secondsCheck,
  logsSince: (v) =>
    typeof v === "string" && !Number.isNaN(Date.parse(v)) ? undefined : "must be an RFC 3339 time",
  parseXcom: booleanCheck,
  relayApiEventLines: booleanCheck,
  detectLogLevel: booleanCheck,
};

const FIELDS: Record<ServeRequest["op"], Record<string, (value: unknown) => string | undefined>> = {
  follow: FOLLOW_FIELDS,
  detach: {},
  cleanup: { runId: runIdCheck, namespace: stringCheck, cluster: clusterCheck },
  ping: {},
};

const REQUIRED: Record<ServeRequest["op"], string[]> = {
  follow: ["id", "runId"],
  detach: ["id"],
  cleanup: ["id", "runId"],
  ping: [],
};

/**
 * Parses one request line. Unknown ops, unknown or ill-typed fields and
 * missing required ones give a {@linkcode RequestError} naming the field.
 */
export function parseRequest(line: string): ServeRequest | RequestError {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { error: `not JSON: ${errorText(error)}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: "a request must be a JSON object" };
  }
  const fields = value as Fields;
  const id = fields.id;
  const validId = typeof id === "string" && id !== "" ||
    typeof id === "number" && Number.isFinite(id);
  const known = validId ? { id: id as RequestId } : {};
  if (id !== undefined && !validId) {
    return { error: 'field "id" must be a non-empty string or a number' };
  }
  const op = fields.op;
  if (typeof op !== "string" || !(op in FIELDS)) {
    return {
      error: `field "op" must be one of ${Object.keys(FIELDS).join(", ")}, got ${
        JSON.stringify(op)
      }`,
      ...known,
    };
  }
  const checks = FIELDS[op as ServeRequest["op"]];
  for (const name of REQUIRED[op as ServeRequest["op"]]) {
    if (fields[name] === undefined) {
      return { error: `${op} request: field "${name}" is required`, ...known };
    }
  }
  for (const [name, field] of Object.entries(fields)) {
    if (name === "op" || name === "id") continue;
    const check = checks[name];
    if (!check) return { error: `${op} request: unknown field "${name}"`, ...known };
    const problem = check(field);
    if (problem) return { error: `${op} request: field "${name}" ${problem}`, ...known };
  }
  return fields as unknown as ServeRequest;
}

/**
 * Whether a parse gave an error.
 */
export function isRequestError(parsed: ServeRequest | RequestError): parsed is RequestError {
  return "error" in parsed;
}

function stringCheck(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? undefined : "must be a non-empty string";
}

function runIdCheck(value: unknown): string | undefined {
  // A run id goes into a label selector: it must be a label value.
  return typeof value === "string" && /^[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$/.test(value)
    ? undefined
    : "must be a run id (a label value: letters, digits, '-', '_', '.', at most 63)";
}

function booleanCheck(value: unknown): string | undefined {
  return typeof value === "boolean" ? undefined : "must be true or false";
}

function secondsCheck(value: unknown): string | undefined {
  return typeof value === "number" && Number.isFinite(value) && value > 0
    ? undefined
    : "must be a number of seconds > 0";
}

function clusterCheck(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "must be an object with kubeconfig, context and/or inCluster";
  }
  for (const [name, field] of Object.entries(value)) {
    if (name === "kubeconfig" || name === "context") {
      if (stringCheck(field)) return `.${name} ${stringCheck(field)}`;
    } else if (name === "inCluster") {
      if (booleanCheck(field)) return `.${name} ${booleanCheck(field)}`;
    } else return `has an unknown field "${name}"`;
  }
  return undefined;
}
