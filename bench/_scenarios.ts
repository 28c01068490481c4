/**
 * The benchmark's scenarios: a Job body each, how many numbered lines it prints, and how many
 * repetitions a full run makes.
 *
 * @module
 */

/** One scenario. */
export interface Scenario {
  /** Letter used in the brief and the report (`A`, `B`, `C`). */
  key: string;
  /** Id used by `--scenarios`. */
  id: string;
  /** Title in the report. */
  title: string;
  /** Job body, relative to bench/. */
  body: string;
  /** Lines `kjo-bench-line NNNNN` the Job prints, numbered from 1. */
  expectedLines: number;
  /** Repetitions of a full run. */
  reps: number;
  /** Kill a run after this many seconds. */
  timeoutS: number;
}

/**
 * Scenarios in run order.
 *
 * @example
 * ```ts
 * const hello = SCENARIOS.find((s) => s.id === "hello")!;
 * console.log(hello.expectedLines); // 1
 * ```
 */
export const SCENARIOS: Scenario[] = [
  {
    key: "A",
    id: "hello",
    title: "hello: a Job that prints one line",
    body: "bodies/hello.yaml",
    expectedLines: 1,
    reps: 5,
    timeoutS: 180,
  },
  {
    key: "B",
    id: "lines20k",
    title: "20k lines: a Job printing 20,000 numbered lines as fast as it can",
    body: "bodies/lines20k.yaml",
    expectedLines: 20000,
    reps: 5,
    timeoutS: 300,
  },
  {
    key: "C",
    id: "slow",
    title: "slow stream: a Job printing 10 lines/s for 30 s (idle following)",
    body: "bodies/slow.yaml",
    expectedLines: 300,
    reps: 2,
    timeoutS: 240,
  },
];

/** What a tool's output held of a scenario's numbered lines. */
export interface LineCount {
  /** Lines the Job printed. */
  expected: number;
  /** Matching lines in the tool's output, duplicates included. */
  relayed: number;
  /** Distinct line numbers seen. */
  unique: number;
  /** `expected - unique`. */
  lost: number;
  /** `relayed - unique`. */
  duplicated: number;
  /** Times a line number came after a higher one. */
  reordered: number;
}

/**
 * Counts `kjo-bench-line NNNNN` in a tool's output (any prefix, any format: JSON lines, logger
 * lines, raw lines).
 *
 * @example
 * ```ts
 * countLines("a kjo-bench-line 00001\nkjo-bench-line 00001\n", 2); // lost 1, duplicated 1
 * ```
 */
export function countLines(text: string, expected: number): LineCount {
  const seen = new Set<number>();
  let relayed = 0;
  let reordered = 0;
  let max = 0;
  for (const m of text.matchAll(/kjo-bench-line (\d{5})/g)) {
    const n = Number(m[1]);
    relayed++;
    if (n < max) reordered++;
    if (n > max) max = n;
    if (n >= 1 && n <= expected) seen.add(n);
  }
  return {
    expected,
    relayed,
    unique: seen.size,
    lost: expected - seen.size,
    duplicated: relayed - seen.size,
    reordered,
  };
}
