import type { TextTarget } from "../../../src/output/text_target.ts";

/** A target that records each write call. */
export function capture(): TextTarget & { writes: string[]; text(): string } {
  const writes: string[] = [];
  return { writes, write: (t) => void writes.push(t), text: () => writes.join("") };
}

/** Lets queued microtasks run. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
