import assert from "node:assert/strict";
import {
  makeResourceName,
  nameLengthLimit,
  RANDOM_ALPHABET,
  randomPostfix,
  sanitizeName,
  seededRandom,
} from "../../../src/body/resource_name.ts";

Deno.test("sanitizeName lowercases and turns _ . spaces and other characters into single dashes", () => {
  assert.equal(sanitizeName("My_Task.v2 "), "my-task-v2");
  assert.equal(sanitizeName("--a__b..c  d--"), "a-b-c-d");
  assert.equal(sanitizeName("dag/task:1"), "dag-task-1");
  assert.equal(sanitizeName("ÄÖ"), "");
  assert.equal(sanitizeName(""), "");
});

Deno.test("randomPostfix draws lowercase alphanumerics from the injected source", () => {
  assert.equal(randomPostfix(4, () => 0), "aaaa");
  assert.equal(randomPostfix(3, () => 0.9999999), "999");
  assert.equal(randomPostfix(0, () => 0), "");
  const value = randomPostfix(64);
  assert.equal(value.length, 64);
  assert.ok([...value].every((c) => RANDOM_ALPHABET.includes(c)));
});

Deno.test("nameLengthLimit: 63 for Job and Pod, 52 for CronJob, 253 for others", () => {
  assert.equal(nameLengthLimit("Job"), 63);
  assert.equal(nameLengthLimit("Pod"), 63);
  assert.equal(nameLengthLimit("Service"), 63);
  assert.equal(nameLengthLimit("CronJob"), 52);
  assert.equal(nameLengthLimit("ConfigMap"), 253);
  assert.equal(nameLengthLimit("Widget"), 253);
});

Deno.test("makeResourceName joins prefix, base, postfix and random, skipping empty parts", () => {
  assert.equal(
    makeResourceName({
      prefix: "etl",
      base: "Load_Data",
      postfix: "v1",
      random: "x1y2",
      kind: "Job",
    }),
    "etl-load-data-v1-x1y2",
  );
  assert.equal(makeResourceName({ base: "job", random: "", kind: "Job" }), "job");
  assert.equal(
    makeResourceName({ prefix: "__", base: "job", postfix: "", random: "abc", kind: "Job" }),
    "job-abc",
  );
  assert.equal(makeResourceName({ base: "", random: "abc", kind: "Job" }), "abc");
});

Deno.test("makeResourceName shortens the non-random part to fit the kind's limit", () => {
  const long = "a".repeat(100);
  const job = makeResourceName({ prefix: long, base: "job", random: "12345678", kind: "Job" });
  assert.equal(job.length, 63);
  assert.ok(job.endsWith("-12345678"));
  assert.equal(job, `${"a".repeat(54)}-12345678`);

  const cron = makeResourceName({
    prefix: long,
    base: "cron",
    random: "12345678",
    kind: "CronJob",
  });
  assert.equal(cron.length, 52);

  const configMap = makeResourceName({
    prefix: long,
    base: "config",
    random: "12345678",
    kind: "ConfigMap",
  });
  assert.equal(configMap, `${long}-config-12345678`);

  // A cut that ends on a dash drops the dash.
  const cut = makeResourceName({
    prefix: "a".repeat(53),
    base: "bbb",
    random: "12345678",
    kind: "Pod",
  });
  assert.equal(cut, `${"a".repeat(53)}-12345678`);

  const noRandom = makeResourceName({ prefix: long, base: "x", random: "", kind: "Pod" });
  assert.equal(noRandom, "a".repeat(63));
});

Deno.test("seededRandom: the same seed gives the same sequence in [0, 1), another seed another", () => {
  const a = seededRandom("r1");
  const b = seededRandom("r1");
  const c = seededRandom("r2");
  const seqA = [a(), a(), a()];
  assert.deepEqual([b(), b(), b()], seqA);
  assert.notDeepEqual([c(), c(), c()], seqA);
  assert.ok(seqA.every((x) => x >= 0 && x < 1));
  assert.equal(randomPostfix(8, seededRandom("r1")), randomPostfix(8, seededRandom("r1")));
});
