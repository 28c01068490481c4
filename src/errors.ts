/**
 * Error classes shared by every part of kjo. Each carries the process exit
 * code the CLI uses when the error reaches it (see the exit-code contract in
 * the README).
 *
 * @module
 */

/** Exit codes of the `kjo` command. */
export const ExitCode = {
  /** The tracked resource succeeded. */
  Succeeded: 0,
  /** The tracked resource failed, was deleted, or timed out. */
  Failed: 1,
  /** Bad input or usage; nothing was created. */
  BadInput: 2,
  /** Cluster unreachable, forbidden, or another infrastructure error. */
  Infrastructure: 3,
  /** Interrupted by SIGINT; resources cleaned up. */
  Interrupted: 130,
  /** Terminated by SIGTERM; resources cleaned up. */
  Terminated: 143,
} as const;

/** One of the values of {@linkcode ExitCode}. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/**
 * Base class of kjo's errors: a message, an optional cause and an exit code.
 */
export class KjoError extends Error {
  /** Exit code the CLI ends with when this error reaches it. */
  readonly exitCode: ExitCode;

  /** Creates an error with a message, an exit code (default 3) and a cause. */
  constructor(message: string, options: { exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "KjoError";
    this.exitCode = options.exitCode ?? ExitCode.Infrastructure;
  }
}

/**
 * Bad input: a body, flag, file or value that kjo cannot use. Raised before
 * anything is created in the cluster; the CLI prints the one-line message and
 * exits 2.
 *
 * The message names where the problem is: the document (`document 2
 * (Job/build)`), the field (`spec.template.spec.containers[0].image`) and the
 * reason.
 */
export class InputError extends KjoError {
  /** Creates an input error; the exit code is always 2. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: ExitCode.BadInput, cause: options.cause });
    this.name = "InputError";
  }
}

/**
 * The cluster could not be reached or refused a request (forbidden, not
 * found where it must exist, server error after retries). Exit code 3.
 */
export class ClusterError extends KjoError {
  /** Creates a cluster error; the exit code is always 3. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { exitCode: ExitCode.Infrastructure, cause: options.cause });
    this.name = "ClusterError";
  }
}

/**
 * The message of a caught value: an `Error`'s `message`, anything else as a
 * string. For messages that quote a cause (`cannot read: ${errorText(error)}`).
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
