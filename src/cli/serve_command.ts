/**
 * `kjo serve`: one long-lived process that follows many runs, reading
 * requests as JSON lines on stdin and writing events as JSON lines on
 * stdout (see the README section "kjo serve").
 *
 * @module
 */

import type { Command } from "commander";
import { ExitCode } from "../errors.ts";
import { ServeSession } from "../follower/serve_session.ts";
import { BufferedText } from "../output/buffered_text.ts";
import { denoStdout } from "../output/text_target.ts";
import { addClusterOptions, type ClusterFlags, collect } from "./_options.ts";
import { followSetup } from "./_follow.ts";

/** Longest request line read, in characters; longer lines get an error event. */
const MAX_REQUEST_CHARS = 1024 * 1024;

/** The flags of `kjo serve`, as commander gives them. */
export interface ServeFlags extends ClusterFlags {
  /** `-n/--namespace`: of requests without one. */
  namespace?: string;
  /** `--stall-timeout`, unparsed. */
  stallTimeout?: string;
  /** `--rules`, in order. */
  rules?: string[];
}

/** Adds `kjo serve`, without its action ({@linkcode serveAction}), to `program`. */
export function addServeCommand(program: Command): Command {
  const command = program.command("serve")
    .summary("follow many runs in one process: JSON-line requests on stdin, events on stdout")
    .description(
      "Read requests (follow, detach, cleanup, ping) as JSON lines on stdin and write every " +
        "event as a JSON line on stdout, each carrying its request id; a result event ends an " +
        "id. Runs of one namespace share their watches. End of stdin, SIGTERM or SIGINT " +
        "detach every follow (nothing is deleted) and exit 0.",
    )
    .option(
      "-n, --namespace <namespace>",
      "namespace of requests without one (default: context, service account, 'default')",
    )
    .option(
      "--stall-timeout <seconds>",
      "seconds of silence after which a watch or log stream is reconnected (default 30)",
    )
    .option("--rules <file>", "custom kind rules file (YAML); repeat", collect);
  addClusterOptions(command);
  command
    .addHelpText(
      "after",
      `
Example:
  kjo run -n jobs --detach -o jsonl --image busybox -- sh -c 'sleep 30'   # its result line names the runId
  { echo '{"op":"follow","id":1,"runId":"k3f9x0q2m7ab","logs":true}'; cat; } | kjo serve -n jobs
  (cat keeps stdin open: the end of stdin detaches every follow)`,
    );
  return command;
}

/**
 * Serves requests from stdin until it ends or a stop signal; resolves to
 * the exit code.
 */
export async function serveAction(flags: ServeFlags): Promise<number> {
  const { settings, options } = await followSetup(flags);
  const out = new BufferedText(denoStdout());
  const session = new ServeSession({
    write: (event) => out.write(`${JSON.stringify(event)}\n`),
    defaults: {
      connection: {
        kubeconfig: options.kubeconfig,
        context: options.context,
        inCluster: options.inCluster,
        extraLocations: options.extraLocations,
      },
      namespace: settings.namespace,
      deletePolicy: options.deletePolicy,
      startupTimeoutSeconds: options.startupTimeoutSeconds,
      executionTimeoutSeconds: options.executionTimeoutSeconds,
      imagePullFailureGraceSeconds: options.imagePullFailureGraceSeconds,
      detectLogLevel: options.detectLogLevel,
      xcomMaxBytes: options.xcomMaxBytes,
      xcomMaxDepth: options.xcomMaxDepth,
      eventsFrom: options.eventsFrom,
      stallTimeoutMs: options.stallTimeoutMs,
      kinds: options.kinds,
    },
  });
  const stdinDone = new AbortController();
  // The first signal detaches everything; a second one while cleanups
  // in progress finish exits at once.
  const onSignal = () => {
    if (stdinDone.signal.aborted) Deno.exit(ExitCode.Terminated);
    stdinDone.abort();
  };
  Deno.addSignalListener("SIGTERM", onSignal);
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    await readRequests(Deno.stdin.readable, stdinDone.signal, {
      onLine: (line) => session.handle(line),
      onTooLong: () => session.reject(`request line longer than ${MAX_REQUEST_CHARS} characters`),
    });
    await session.close();
  } finally {
    Deno.removeSignalListener("SIGTERM", onSignal);
    Deno.removeSignalListener("SIGINT", onSignal);
    out.close();
  }
  return ExitCode.Succeeded;
}

/** Calls `onLine` for each line of `input` until it ends or `signal` aborts. */
async function readRequests(
  input: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  handlers: { onLine: (line: string) => void; onTooLong: () => void },
): Promise<void> {
  const { onLine } = handlers;
  const reader = input.pipeThrough(new TextDecoderStream()).getReader();
  const stopped = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
  let buffer = "";
  let skipping = false;
  try {
    while (!signal.aborted) {
      const next = await Promise.race([reader.read(), stopped.then(() => undefined)]);
      if (!next || next.done) break;
      buffer += next.value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (skipping) skipping = false;
        else onLine(line);
      }
      if (buffer.length > MAX_REQUEST_CHARS) {
        if (!skipping) handlers.onTooLong();
        skipping = true;
        buffer = "";
      }
    }
    if (!signal.aborted && buffer.trim() !== "" && !skipping) onLine(buffer);
  } finally {
    reader.releaseLock();
  }
}
