/**
 * The built-in state rules and startup problems, table-driven over real
 * objects and Events captured from the local cluster by
 * `scripts/capture_status_samples.ts` (fixtures/status/, listed with the
 * expected verdicts and problems in fixtures/status/index.json).
 */

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { KubeObject } from "../../../src/kube/kube_object.ts";
import { findStuckContainers } from "../../../src/kinds/image_pull_failure.ts";
import { jobState, jobTerminalCondition } from "../../../src/kinds/job_state.ts";
import { KindRegistry } from "../../../src/kinds/kind_registry.ts";
import { podState } from "../../../src/kinds/pod_state.ts";
import { createProblem, podStartupProblems } from "../../../src/kinds/startup_problems.ts";
import type { KubeEvent } from "../../../src/kube/kube_event.ts";
import type { StateVerdict } from "../../../src/kinds/resource_state.ts";

interface Sample {
  file: string;
  kind: "Pod" | "Job";
  scenario: string;
  moment: string;
  expect: StateVerdict;
  stuck: string[];
  /** The Events file captured with the object. */
  events?: string;
  /** The Node file captured with a pod. */
  node?: string;
  /** Startup problem reasons; for pods without it, the stuck reasons. */
  problems?: string[];
  /** Text the first problem's message contains. */
  mentions?: string;
  note?: string;
}

const dir = fileURLToPath(new URL("../../../fixtures/status/", import.meta.url));
const index = JSON.parse(readFileSync(`${dir}index.json`, "utf8")) as { samples: Sample[] };
const registry = KindRegistry.withBuiltins();

function load(file: string): KubeObject {
  return JSON.parse(readFileSync(dir + file, "utf8")) as KubeObject;
}

Deno.test("captured status: index.json lists every fixture, and each names its kind", () => {
  const listed = index.samples.flatMap((s) => [s.file, s.events ?? [], s.node ?? []].flat())
    .sort();
  const present = readdirSync(dir).filter((f) => f.endsWith(".json") && f !== "index.json")
    .sort();
  assert.deepEqual(listed, present);
  for (const s of index.samples) {
    if (s.events) {
      const list = load(s.events) as KubeObject & { items?: KubeEvent[] };
      assert.equal(list.kind, "EventList", s.events);
      assert.ok(list.items?.every((e) => e.kind === "Event" && e.reason), s.events);
    }
    const o = load(s.file);
    assert.equal(o.kind, s.kind, s.file);
    assert.equal(o.apiVersion, s.kind === "Job" ? "batch/v1" : "v1", s.file);
    assert.ok(o.status && typeof o.status === "object", `${s.file}: no status`);
    assert.equal(o.metadata?.managedFields, undefined, `${s.file}: managedFields kept`);
  }
});

for (const s of index.samples) {
  const want = [s.expect.state, s.expect.reason].filter(Boolean).join("/");
  Deno.test(`captured status: ${s.file} → ${want}`, () => {
    const object = load(s.file);
    const verdict = registry.judge(object);
    const direct = s.kind === "Job" ? jobState(object) : podState(object);
    assert.deepEqual(verdict, direct, "the registry uses the built-in rule");

    const got: StateVerdict = { state: verdict.state };
    const expected: StateVerdict = { state: s.expect.state };
    if (s.expect.reason !== undefined) {
      got.reason = verdict.reason;
      expected.reason = s.expect.reason;
    }
    if (s.expect.message !== undefined) {
      got.message = verdict.message;
      expected.message = s.expect.message;
    }
    assert.deepEqual(got, expected, `${s.file}: ${JSON.stringify(verdict)}`);

    const events = s.events ? (load(s.events) as { items?: KubeEvent[] }).items ?? [] : [];
    const node = s.node ? load(s.node) : undefined;
    const problems = s.kind === "Pod"
      ? podStartupProblems(object, events, node)
      : [createProblem(object, events)].filter((p) => p !== undefined);
    assert.deepEqual(problems.map((p) => p.reason), s.problems ?? s.stuck, "startup problems");
    if (s.mentions) {
      assert.ok(problems[0]?.message?.includes(s.mentions), JSON.stringify(problems[0]));
    }

    if (s.kind === "Pod") {
      assert.deepEqual(findStuckContainers(object).map((c) => c.reason), s.stuck);
    } else {
      assert.deepEqual(s.stuck, [], "Jobs have no stuck containers");
      // A terminal verdict comes from the condition jobTerminalCondition reports.
      const terminal = jobTerminalCondition(object);
      const finished = s.expect.state === "Succeeded" || s.expect.state === "Failed";
      assert.equal(terminal?.state, finished ? s.expect.state : undefined);
      if (terminal) {
        const finalType = terminal.state === "Succeeded" ? "Complete" : "Failed";
        const hasFinal = (object.status as { conditions?: { type: string; status: string }[] })
          .conditions?.some((c) => c.type === finalType && c.status === "True") ?? false;
        assert.equal(terminal.final, hasFinal);
      }
    }
  });
}
