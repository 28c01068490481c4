/**
 * Log line framing, timestamps, `::kube_api:` events and XCom.
 *
 * @module
 */

export * from "./line_splitter.ts";
export * from "./timestamped_line.ts";
export * from "./kube_api_event.ts";
export * from "./xcom_collector.ts";
