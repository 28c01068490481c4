/**
 * Errors of the Kubernetes client layer: {@linkcode ApiError} when the API
 * server answered with an error status, {@linkcode ConnectionError} when no
 * answer came. Both are {@linkcode ClusterError}s (exit 3) so that an error
 * nobody translated still ends the CLI as an infrastructure failure.
 *
 * @module
 */

import { ClusterError } from "../errors.ts";

/**
 * One entry of `status.details.causes` of a Kubernetes `Status`.
 */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/**
 * The `Status` object the API server returns with an error.
 */
export interface KubeStatus {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
}

/**
 * The API server answered with a status other than 2xx.
 */
export class ApiError extends ClusterError {
  /** HTTP status code (or the `code` of a watch ERROR event). */
  readonly status: number;
  /** The `Status` body, when the server sent one. */
  readonly body?: KubeStatus;
  /** HTTP method of the request. */
  readonly method: string;
  /** Path (without query) of the request. */
  readonly path: string;
  /** Delay the server asked for (`Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;

  /** Creates an API error from the parts of a failed response. */
  constructor(
    init: {
      status: number;
      method: string;
      path: string;
      body?: KubeStatus;
      text?: string;
      retryAfterMs?: number;
    },
    options: { cause?: unknown } = {},
  ) {
    const detail = init.body?.message ?? (init.text?.trim().slice(0, 300) || "no details");
    const reason = init.body?.reason ? `${init.body.reason}: ` : "";
    super(`${init.method} ${init.path}: HTTP ${init.status} ${reason}${detail}`, options);
    this.name = "ApiError";
    this.status = init.status;
    this.body = init.body;
    this.method = init.method;
    this.path = init.path;
    this.retryAfterMs = init.retryAfterMs;
  }

  /** `status.reason` (e.g. `AlreadyExists`, `Invalid`), if any. */
  get reason(): string | undefined {
    return this.body?.reason;
  }

  /** `status.details.causes`, or an empty list. */
  get causes(): StatusCause[] {
    return this.body?.details?.causes ?? [];
  }

  /** The server's own words: `status.message`, else the whole error message. */
  get serverMessage(): string {
    return this.body?.message ?? this.message;
  }
}

/**
 * How many 401 answers in a row a long-lived stream (watch, log follow)
 * retries before it gives up: credentials may be rotating (token file, exec
 * plugin).
 */
export const MAX_UNAUTHORIZED = 3;

/**
 * The error kjo reports for a 401 answer: the cluster did not accept its
 * credentials, with the server's message (or `message`).
 */
export function unauthorizedError(err: ApiError, message = err.serverMessage): ClusterError {
  return new ClusterError(
    `unauthorized: the cluster did not accept kjo's credentials (${message})`,
    { cause: err },
  );
}

/**
 * No usable answer came from the API server: refused, reset, timed out, TLS
 * failure, DNS failure.
 *
 * `sent` is `false` only when the error proves the request never reached the
 * server (connection refused, host unreachable, DNS failure): only then may a
 * non-idempotent request be repeated blindly.
 */
export class ConnectionError extends ClusterError {
  /** Node-style error code (`ECONNREFUSED`, `ECONNRESET`, `ETIMEDOUT`, ...), if known. */
  readonly code?: string;
  /** Whether the request may have reached the server. */
  readonly sent: boolean;
  /** Whether kjo gave up waiting (request timeout). */
  readonly timedOut: boolean;

  /** Creates a connection error for `server`. */
  constructor(
    server: string,
    init: { code?: string; sent: boolean; timedOut?: boolean; detail?: string },
    options: { cause?: unknown } = {},
  ) {
    const what = init.timedOut
      ? "timed out"
      : init.code && init.detail && !init.detail.includes(init.code)
      ? `${init.code} (${init.detail})`
      : (init.detail ?? init.code ?? "connection failed");
    super(`cannot reach the Kubernetes API at ${server}: ${what}`, options);
    this.name = "ConnectionError";
    this.code = init.code;
    this.sent = init.sent;
    this.timedOut = init.timedOut ?? false;
  }
}

/** Error codes that prove a request was never delivered. */
const UNSENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
]);

/**
 * Whether a low-level error code proves the request never left this host or
 * was refused before the server read it.
 */
export function isUnsentCode(code: string | undefined): boolean {
  if (code === undefined) return false;
  // TLS handshake failures: no HTTP request was written.
  return UNSENT_CODES.has(code) ||
    /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code);
}

/**
 * Whether an API error cannot get better by retrying (bad request,
 * unauthorized, forbidden, not found, method not allowed, invalid).
 */
export function isPermanentApiError(err: unknown): err is ApiError {
  return err instanceof ApiError && [400, 401, 403, 404, 405, 406, 415, 422].includes(err.status);
}

/**
 * Whether an error is a connection problem or a server status that usually
 * clears by itself (429, 500, 502, 503, 504).
 */
export function isTransientError(err: unknown): boolean {
  if (err instanceof ConnectionError) return true;
  return err instanceof ApiError && [429, 500, 502, 503, 504].includes(err.status);
}
