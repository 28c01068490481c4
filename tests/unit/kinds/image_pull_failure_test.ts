import assert from "node:assert/strict";
import { findStuckContainers } from "../../../src/kinds/image_pull_failure.ts";
import { pods } from "./_status_samples.ts";

Deno.test("findStuckContainers: unrecoverable waiting states", () => {
  const table: Array<[keyof typeof pods, Array<[string, string, boolean, boolean]>]> = [
    ["errImagePull", [["main", "ErrImagePull", false, false]]],
    ["imagePullBackOff", [["main", "ImagePullBackOff", false, false]]],
    ["invalidImageName", [["main", "InvalidImageName", false, true]]],
    ["configError", [["main", "CreateContainerConfigError", false, false]]],
    ["initImagePull", [["fetch", "ImagePullBackOff", true, false]]],
    ["creating", []],
    ["running", []],
    ["crashLoop", []],
    ["failed", []],
    ["unschedulable", []],
  ];
  for (const [name, expected] of table) {
    const got = findStuckContainers(pods[name]).map((
      s,
    ) => [s.container, s.reason, s.init, s.permanent]);
    assert.deepEqual(got, expected, name);
  }
});

Deno.test("findStuckContainers: carries the kubelet message", () => {
  const [stuck] = findStuckContainers(pods.configError);
  assert.deepEqual(stuck, {
    container: "main",
    init: false,
    reason: "CreateContainerConfigError",
    message: 'secret "db-creds" not found',
    permanent: false,
  });
});

Deno.test("findStuckContainers: ephemeral containers and ErrImageNeverPull", () => {
  const p = structuredClone(pods.running);
  (p.status as Record<string, unknown>).ephemeralContainerStatuses = [{
    name: "debugger",
    restartCount: 0,
    state: {
      waiting: {
        reason: "ErrImageNeverPull",
        message: 'Container image "dbg:1" is not present with pull policy of Never',
      },
    },
  }];
  assert.deepEqual(findStuckContainers(p).map((s) => [s.container, s.permanent]), [[
    "debugger",
    true,
  ]]);
});
