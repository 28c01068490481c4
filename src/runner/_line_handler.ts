/**
 * What happens to each relayed container line: `::kube_api:` events become
 * api events (and XCom), other lines become log events; the last lines of
 * each container are kept for the failure summary.
 *
 * Pod output is untrusted, so only whole lines are read as events (a piece of
 * a line cut at the line limit is a log line, whatever it starts with), xcom
 * values are capped in size and depth, events can be limited to each pod's
 * main container, and what is kept is bounded: the tails of running
 * containers, of the last few failed ones and of the last few others, and
 * the first `maxErrors` invalid events plus a count of the rest.
 *
 * @module
 */

import { DEFAULT_MAX_LINE_BYTES } from "../kube/log_follow.ts";
import {
  checkXComCaps,
  isKubeApiEventLine,
  parseKubeApiEvent,
  type XComCaps,
} from "../logs/kube_api_event.ts";
import { detectLogLevel } from "../logs/log_level.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import { type EventSink, stampEvent } from "../output/run_event.ts";
import type { RelayedLine } from "./_pod_log_relay.ts";

/** Longest line kept in a tail, in characters (the failure summary cuts them shorter). */
const TAIL_LINE_CHARS = 1000;

/** Options of {@linkcode createLineHandler}. */
export interface LineHandlerOptions {
  emit: EventSink;
  xcom: XComCollector;
  /** Emit log events (false: only api events). */
  relayLogs: boolean;
  /** Also emit `::kube_api:` lines as log lines. */
  relayApiEventLines: boolean;
  /** Lines kept per container for the failure summary. */
  keepLastLines: number;
  /** Add the level a line names to its log event (detect_kubernetes_log_level). */
  detectLevel?: boolean;
  /**
   * Parse `xcom` values as JSON objects into the result. When
   * false they are api events with the raw value only, for callers that
   * parse them themselves (the Airflow operator's parse_xcom_event).
   * @default {true}
   */
  parseXcom?: boolean;
  /** Caps on each `xcom` value (checked on raw values too). */
  xcomCaps?: XComCaps;
  /**
   * When given, only lines of containers it accepts (each pod's main
   * container) are read as `::kube_api:` events; others are log lines.
   */
  isEventSource?: (pod: string, container: string) => boolean;
  /**
   * Invalid events kept in `errors` (later ones are only counted).
   * @default 20
   */
  maxErrors?: number;
  /**
   * Tails kept of finished containers that failed (the most recent ones).
   * @default 10
   */
  keepFailedTails?: number;
  /**
   * Tails kept of finished containers that did not fail (the most recent ones).
   * @default 5
   */
  keepDoneTails?: number;
}

/** Handles lines; `lastLines` holds the tail of each `pod/container` kept. */
export interface LineHandler {
  handle(pod: string, container: string, line: RelayedLine): void;
  /**
   * Tells that a container will write no more lines: its tail is kept only
   * among the last `keepFailedTails` failed or `keepDoneTails` other ones.
   */
  containerDone(pod: string, container: string, failed: boolean): void;
  /** Last lines of running containers and of the finished ones kept, by `pod/container`. */
  readonly lastLines: Map<string, string[]>;
  /** Lines relayed so far. */
  readonly count: number;
  /** The first `maxErrors` invalid `::kube_api:` events (e.g. an xcom value that is not a JSON object). */
  readonly errors: string[];
  /** Invalid `::kube_api:` events seen, including those not kept in `errors`. */
  readonly errorCount: number;
  /** `errors`, plus a last line counting the invalid events not kept, if any (for the result). */
  readonly reportedErrors: string[];
  /** Valid xcom events seen. */
  readonly xcomEvents: number;
}

/**
 * Creates the handler of relayed lines.
 */
export function createLineHandler(options: LineHandlerOptions): LineHandler {
  const lastLines = new Map<string, string[]>();
  const errors: string[] = [];
  const maxErrors = options.maxErrors ?? 20;
  const retired = {
    failed: { keys: new Set<string>(), keep: options.keepFailedTails ?? 10 },
    done: { keys: new Set<string>(), keep: options.keepDoneTails ?? 5 },
  };
  /** Containers in the middle of an over-long event line (its pieces are not log lines). */
  const inLongEvent = new Set<string>();
  let count = 0;
  let errorCount = 0;
  let xcomEvents = 0;

  const fail = (key: string, error: string) => {
    const message = `${key}: ${error}`;
    errorCount++;
    if (errors.length < maxErrors) errors.push(message);
    options.emit(stampEvent({ type: "info", level: "error", message }));
  };

  /** Handles an event line; returns whether the line is also relayed as a log line. */
  const handleEvent = (pod: string, container: string, text: string): boolean => {
    const event = parseKubeApiEvent(text, options.xcomCaps);
    if (!event) return true;
    const key = `${pod}/${container}`;
    if (options.parseXcom === false && event.name === "xcom") {
      const over = checkXComCaps(event.value, options.xcomCaps);
      if (over) fail(key, over);
      else {
        options.emit(
          stampEvent({ type: "api_event", name: "xcom", value: event.value, pod, container }),
        );
      }
    } else if (event.ok) {
      const refused = event.parsed ? options.xcom.add(event.parsed) : undefined;
      if (refused) fail(key, refused);
      else {
        if (event.parsed) xcomEvents++;
        options.emit(stampEvent({
          type: "api_event",
          name: event.name,
          value: event.value,
          pod,
          container,
          ...(event.parsed ? { parsed: event.parsed } : {}),
        }));
      }
    } else {
      fail(key, event.error);
    }
    return options.relayApiEventLines;
  };

  return {
    lastLines,
    errors,
    get errorCount() {
      return errorCount;
    },
    get reportedErrors() {
      const unlisted = errorCount - errors.length;
      return unlisted > 0
        ? [...errors, `… and ${unlisted} more invalid ::kube_api: events`]
        : [...errors];
    },
    get xcomEvents() {
      return xcomEvents;
    },
    get count() {
      return count;
    },
    handle(pod, container, line) {
      count++;
      const key = `${pod}/${container}`;
      let tail = lastLines.get(key);
      if (!tail) lastLines.set(key, tail = []);
      else {
        // Written to again (a restarted container): live, not retired.
        retired.failed.keys.delete(key);
        retired.done.keys.delete(key);
      }
      tail.push(
        line.text.length > TAIL_LINE_CHARS ? line.text.slice(0, TAIL_LINE_CHARS) : line.text,
      );
      if (tail.length > options.keepLastLines) tail.shift();

      let relay = true;
      if (line.piece === "continuation") {
        // Never an event, whatever it starts with; hidden like the event line it belongs to.
        if (inLongEvent.has(key)) relay = options.relayApiEventLines;
      } else {
        inLongEvent.delete(key);
        // Lines of other containers than the event sources are data, whatever they start with.
        if (eventSource(pod, container)) {
          if (line.piece === undefined) relay = handleEvent(pod, container, line.text);
          else if (isKubeApiEventLine(line.text)) {
            inLongEvent.add(key);
            fail(
              key,
              `::kube_api: event line longer than ${DEFAULT_MAX_LINE_BYTES} bytes (the longest line read whole); ignored`,
            );
            relay = options.relayApiEventLines;
          }
        }
      }
      if (relay && options.relayLogs) {
        const level = options.detectLevel ? detectLogLevel(line.text) : undefined;
        options.emit(stampEvent({
          type: "log",
          pod,
          container,
          line: line.text,
          ...(line.ts ? { ts: line.ts } : {}),
          ...(level ? { level } : {}),
        }));
      }
    },
    containerDone(pod, container, failed) {
      const key = `${pod}/${container}`;
      inLongEvent.delete(key);
      if (!lastLines.has(key)) return;
      const list = failed ? retired.failed : retired.done;
      (failed ? retired.done : retired.failed).keys.delete(key);
      list.keys.delete(key); // re-insert: the most recent last
      list.keys.add(key);
      while (list.keys.size > list.keep) {
        const oldest = list.keys.values().next().value!;
        list.keys.delete(oldest);
        lastLines.delete(oldest);
      }
    },
  };

  function eventSource(pod: string, container: string): boolean {
    return options.isEventSource === undefined || options.isEventSource(pod, container);
  }
}
