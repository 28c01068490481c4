import assert from "node:assert/strict";
import { conditionsOf, trueCondition } from "../../../src/kinds/object_conditions.ts";
import { podContainers } from "../../../src/kinds/pod_containers.ts";
import { jobs, pods } from "./_status_samples.ts";

Deno.test("conditionsOf / trueCondition", () => {
  assert.deepEqual(conditionsOf(jobs.failed).map((c) => `${c.type}=${c.status}`), [
    "FailureTarget=True",
    "Failed=True",
  ]);
  assert.equal(trueCondition(jobs.resumed, "Suspended"), undefined);
  assert.equal(trueCondition(jobs.failed, "Complete", "Failed")?.type, "Failed");
  assert.deepEqual(conditionsOf({ status: { conditions: [{ status: "True" }, "x"] } }), []);
});

Deno.test("podContainers: joins spec and status in spec order", () => {
  const views = podContainers(pods.nativeSidecarStopping);
  assert.deepEqual(views.map((v) => [v.name, v.role, v.sidecar, v.terminated?.exitCode]), [
    ["istio-proxy", "init", true, 143],
    ["main", "container", false, 0],
  ]);
  const crash = podContainers(pods.crashLoop)[0];
  assert.equal(crash.waiting?.reason, "CrashLoopBackOff");
  assert.equal(crash.lastTerminated?.exitCode, 1);
  assert.equal(crash.restartCount, 3);
  // A status without a spec entry still shows.
  const partial = podContainers({ status: { containerStatuses: [{ name: "x", state: {} }] } });
  assert.deepEqual(partial.map((v) => [v.name, v.reported]), [["x", true]]);
  assert.deepEqual(podContainers(pods.unschedulable).map((v) => [v.name, v.reported]), [[
    "main",
    false,
  ]]);
});
