import assert from "node:assert/strict";
import { InputError } from "../../../src/errors.ts";
import { parseCustomKindRules } from "../../../src/kinds/custom_kind_rules.ts";
import { kindKey, KindRegistry } from "../../../src/kinds/kind_registry.ts";
import { jobs, pods, widget } from "./_status_samples.ts";

Deno.test("KindRegistry: built-ins judge Pods and Jobs", () => {
  const registry = KindRegistry.withBuiltins();
  assert.deepEqual(registry.keys(), ["batch/v1/Job", "v1/Pod"]);
  assert.equal(registry.judge(jobs.failed).state, "Failed");
  assert.equal(registry.judge(pods.succeeded).state, "Succeeded");
  assert.equal(registry.lookup({ apiVersion: "batch/v1beta1", kind: "Job" }), undefined);
});

Deno.test("KindRegistry: unknown first resource is an InputError naming it", () => {
  const registry = KindRegistry.withBuiltins();
  assert.throws(() => registry.require(widget(undefined, "w-9")), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(
      e.message,
      "no state rule for example.com/v1 Widget (Widget/w-9, the tracked resource); pass a rules file " +
        "declaring when it runs, succeeds and fails (known kinds: batch/v1/Job, v1/Pod)",
    );
    return true;
  });
});

Deno.test("KindRegistry: register, registerAll and override", () => {
  const registry = KindRegistry.withBuiltins().registerAll(parseCustomKindRules(
    "kinds: [{ apiVersion: example.com/v1, kind: Widget, succeeded: [{ path: status.phase, equals: Done }] }]",
    "r.yaml",
  ));
  assert.ok(registry.has("example.com/v1", " Widget "));
  assert.equal(registry.judge(widget({ phase: "Done" })).state, "Succeeded");
  registry.register("v1", "Pod", () => ({ state: "Running", reason: "Custom" }));
  assert.deepEqual(registry.judge(pods.succeeded), { state: "Running", reason: "Custom" });
  assert.equal(kindKey("v1", "Pod"), "v1/Pod");
  assert.equal(
    new KindRegistry().lookup({ apiVersion: undefined as unknown as string, kind: "Pod" }),
    undefined,
  );
});
