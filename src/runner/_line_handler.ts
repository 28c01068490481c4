/**
 * What happens to each relayed container line: `::kube_api:` events become
 * api events (and XCom), other lines become log events; the last lines of
 * each container are kept for the failure summary.
 *
 * @module
 */

import { parseKubeApiEvent } from "../logs/kube_api_event.ts";
import { detectLogLevel } from "../logs/log_level.ts";
import type { XComCollector } from "../logs/xcom_collector.ts";
import { type EventSink, stampEvent } from "../output/run_event.ts";
import type { RelayedLine } from "./_pod_log_relay.ts";

/** Options of {@linkcode createLineHandler}. */
export interface LineHandlerOptions {
  emit: EventSink;
  xcom: XComCollector;
  /** Emit log events (false: only api events). */
  relayLogs: boolean;
  /** Also emit `::kube_api:` lines as log events. */
  relayApiEventLines: boolean;
  /** Lines kept per container for the failure summary. */
  keepLastLines: number;
  /** Add the level a line names to its log event (detect_kubernetes_log_level). */
  detectLevel?: boolean;
  /**
   * Parse `xcom` values as JSON objects into the result (default true). When
   * false they are api events with the raw value only, for callers that
   * parse them themselves (the Airflow operator's parse_xcom_event).
   */
  parseXcom?: boolean;
}

/** Handles lines; `lastLines` holds the tail of each `pod/container`. */
export interface LineHandler {
  handle(pod: string, container: string, line: RelayedLine): void;
  readonly lastLines: Map<string, string[]>;
  /** Lines relayed so far. */
  readonly count: number;
  /** Invalid `::kube_api:` events (e.g. an xcom value that is not a JSON object). */
  readonly errors: string[];
  /** Valid xcom events seen. */
  readonly xcomEvents: number;
}

/**
 * Creates the handler of relayed lines.
 *
 * @example
 * ```ts
 * const handler = createLineHandler({ emit, xcom, relayLogs: true, relayApiEventLines: false, keepLastLines: 20 });
 * handler.handle("pod-a", "main", { text: "::kube_api:xcom={\"a\":1}" });
 * ```
 */
export function createLineHandler(options: LineHandlerOptions): LineHandler {
  const lastLines = new Map<string, string[]>();
  const errors: string[] = [];
  let count = 0;
  let xcomEvents = 0;
  return {
    lastLines,
    errors,
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
      tail.push(line.text);
      if (tail.length > options.keepLastLines) tail.shift();

      const event = parseKubeApiEvent(line.text);
      if (event) {
        if (options.parseXcom === false && event.name === "xcom") {
          options.emit(
            stampEvent({ type: "api_event", name: "xcom", value: event.value, pod, container }),
          );
        } else if (event.ok) {
          if (options.xcom.addEvent(event)) xcomEvents++;
          options.emit(stampEvent({
            type: "api_event",
            name: event.name,
            value: event.value,
            pod,
            container,
            ...(event.parsed ? { parsed: event.parsed } : {}),
          }));
        } else {
          const message = `${key}: ${event.error}`;
          errors.push(message);
          options.emit(stampEvent({ type: "info", level: "error", message }));
        }
        if (!options.relayApiEventLines) return;
      }
      if (options.relayLogs) {
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
  };
}
