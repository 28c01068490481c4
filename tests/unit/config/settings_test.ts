import assert from "node:assert/strict";
import { join } from "node:path";
import { InputError } from "../../../src/errors.ts";
import {
  envKey,
  fileKey,
  flagName,
  resolveSettings,
  SETTING_KEYS,
  settingDefault,
} from "../../../src/config/settings.ts";
import { withDir } from "../_temp_dir.ts";

async function settingsError(options: Parameters<typeof resolveSettings>[0]): Promise<string> {
  try {
    await resolveSettings(options);
  } catch (error) {
    assert.ok(error instanceof InputError, String(error));
    assert.ok(!error.message.includes("\n"));
    return error.message;
  }
  throw new Error("expected an error");
}

Deno.test("key names in the file, the environment and on the command line", () => {
  assert.equal(fileKey("deletePolicy"), "delete_policy");
  assert.equal(envKey("kubeConfigExtraLocations"), "KJO_KUBE_CONFIG_EXTRA_LOCATIONS");
  assert.equal(flagName("imagePullFailureGraceSeconds"), "--image-pull-failure-grace");
  assert.equal(flagName("startupTimeoutSeconds"), "--startup-timeout");
  assert.equal(SETTING_KEYS.length, 22);
});

Deno.test("resolveSettings: defaults", async () => {
  const settings = await resolveSettings({ env: {} });
  const { sources, ...values } = settings;
  assert.deepEqual(values, {
    deletePolicy: "IfSucceeded",
    defaultExecutionObject: "Job",
    detectKubernetesLogLevel: true,
    showKubernetesTimestamps: false,
    showRunnerId: false,
    startupTimeoutSeconds: 120,
    kubeConfigExtraLocations: [],
    inCluster: false,
    output: "text",
    randomNamePostfixLength: 8,
    imagePullFailureGraceSeconds: 30,
    stallTimeoutSeconds: 30,
    logLevel: "info",
    xcomMaxBytes: 1048576,
    xcomMaxDepth: 32,
    eventsFrom: "all",
    configFile: undefined,
  });
  assert.ok(Object.values(sources).every((source) => source === "default"));
  assert.equal(settings.namespace, undefined);
  assert.equal(settings.executionTimeoutSeconds, undefined);
});

Deno.test("settingDefault: what resolveSettings falls back to, undefined when none", async () => {
  const settings = await resolveSettings({ env: {} });
  assert.equal(settingDefault("deletePolicy"), settings.deletePolicy);
  assert.equal(settingDefault("startupTimeoutSeconds"), settings.startupTimeoutSeconds);
  assert.equal(settingDefault("randomNamePostfixLength"), 8);
  assert.equal(settingDefault("namespace"), undefined);
});

Deno.test("resolveSettings: flags > KJO_* env > config file > defaults", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "kjo.yaml");
    await Deno.writeTextFile(
      file,
      "delete_policy: Never\noutput: jsonl\nnamespace: from-file\nstartup_timeout_seconds: 5\nshow_runner_id: true\n",
    );
    const settings = await resolveSettings({
      configFile: file,
      env: { KJO_DELETE_POLICY: "Always", KJO_OUTPUT: "text", KJO_STARTUP_TIMEOUT_SECONDS: "" },
      flags: { deletePolicy: "IfFailed", somethingElse: 1 },
    });
    assert.equal(settings.deletePolicy, "IfFailed");
    assert.equal(settings.sources.deletePolicy, "flag");
    assert.equal(settings.output, "text");
    assert.equal(settings.sources.output, "env");
    assert.equal(settings.namespace, "from-file");
    assert.equal(settings.sources.namespace, "file");
    assert.equal(settings.startupTimeoutSeconds, 5, "an empty env value counts as unset");
    assert.equal(settings.showRunnerId, true);
    assert.equal(settings.logLevel, "info");
    assert.equal(settings.sources.logLevel, "default");
    assert.equal(settings.configFile, file);
  });
});

Deno.test("resolveSettings: xcom caps and events_from, flags > env > file, and their checks", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "kjo.yaml");
    await Deno.writeTextFile(file, "xcom_max_bytes: 100\nxcom_max_depth: 4\nevents_from: main\n");
    const fromFile = await resolveSettings({ configFile: file, env: {} });
    assert.deepEqual(
      [fromFile.xcomMaxBytes, fromFile.xcomMaxDepth, fromFile.eventsFrom],
      [100, 4, "main"],
    );
    const fromEnv = await resolveSettings({
      configFile: file,
      env: { KJO_XCOM_MAX_BYTES: "200", KJO_XCOM_MAX_DEPTH: "5", KJO_EVENTS_FROM: "all" },
    });
    assert.deepEqual([fromEnv.xcomMaxBytes, fromEnv.xcomMaxDepth, fromEnv.eventsFrom], [
      200,
      5,
      "all",
    ]);
    const fromFlags = await resolveSettings({
      configFile: file,
      env: { KJO_XCOM_MAX_BYTES: "200" },
      flags: { xcomMaxBytes: "300", xcomMaxDepth: "6", eventsFrom: "main" },
    });
    assert.deepEqual(
      [fromFlags.xcomMaxBytes, fromFlags.xcomMaxDepth, fromFlags.eventsFrom],
      [300, 6, "main"],
    );
  });
  assert.equal(
    await settingsError({ env: { KJO_XCOM_MAX_DEPTH: "0" } }),
    'KJO_XCOM_MAX_DEPTH: must be an integer from 1 up, got "0"',
  );
  assert.equal(
    await settingsError({ env: {}, flags: { xcomMaxBytes: "1.5" } }),
    '--xcom-max-bytes: must be an integer from 2 up, got "1.5"',
  );
  assert.equal(
    await settingsError({ env: { KJO_EVENTS_FROM: "sidecar" } }),
    'KJO_EVENTS_FROM: must be one of all, main, got "sidecar"',
  );
});

Deno.test("resolveSettings: the config file from flags.config or KJO_CONFIG", async () => {
  await withDir(async (dir) => {
    const a = join(dir, "a.yaml");
    const b = join(dir, "b.yaml");
    await Deno.writeTextFile(a, "delete_policy: Never\n");
    await Deno.writeTextFile(b, "delete_policy: Always\n");
    assert.equal((await resolveSettings({ env: { KJO_CONFIG: b } })).deletePolicy, "Always");
    assert.equal(
      (await resolveSettings({ env: { KJO_CONFIG: b }, flags: { config: a } })).deletePolicy,
      "Never",
    );
    assert.equal(
      (await resolveSettings({ env: { KJO_CONFIG: b }, flags: { config: a }, configFile: b }))
        .deletePolicy,
      "Always",
    );
  });
});

Deno.test("resolveSettings: value parsing from strings", async () => {
  const settings = await resolveSettings({
    env: {
      KJO_DETECT_KUBERNETES_LOG_LEVEL: "False",
      KJO_SHOW_KUBERNETES_TIMESTAMPS: "yes",
      KJO_IN_CLUSTER: "1",
      KJO_RANDOM_NAME_POSTFIX_LENGTH: "0",
      KJO_EXECUTION_TIMEOUT_SECONDS: "1.5",
      KJO_KUBE_CONFIG_EXTRA_LOCATIONS: " /a/config, /b/config ,",
      KJO_IMAGE_PULL_POLICY: "Never",
      KJO_CONTEXT: "dev",
      KJO_KUBECONFIG: "/k/config",
      KJO_DEFAULT_EXECUTION_OBJECT: "Pod",
    },
    flags: { imagePullFailureGraceSeconds: 10, showRunnerId: true },
  });
  assert.equal(settings.detectKubernetesLogLevel, false);
  assert.equal(settings.showKubernetesTimestamps, true);
  assert.equal(settings.inCluster, true);
  assert.equal(settings.randomNamePostfixLength, 0);
  assert.equal(settings.executionTimeoutSeconds, 1.5);
  assert.deepEqual(settings.kubeConfigExtraLocations, ["/a/config", "/b/config"]);
  assert.equal(settings.imagePullPolicy, "Never");
  assert.equal(settings.context, "dev");
  assert.equal(settings.kubeconfig, "/k/config");
  assert.equal(settings.defaultExecutionObject, "Pod");
  assert.equal(settings.imagePullFailureGraceSeconds, 10);
  assert.equal(settings.showRunnerId, true);
});

Deno.test("resolveSettings: paths in the config file are relative to it", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "kjo.yaml");
    await Deno.writeTextFile(
      file,
      "kubeconfig: conf/kube\nkube_config_extra_locations: [x, /abs/y]\n",
    );
    const settings = await resolveSettings({ configFile: file, env: {} });
    assert.equal(settings.kubeconfig, join(dir, "conf/kube"));
    assert.deepEqual(settings.kubeConfigExtraLocations, [join(dir, "x"), "/abs/y"]);
  });
});

Deno.test("resolveSettings: invalid values name their source", async () => {
  assert.equal(
    await settingsError({ env: { KJO_DELETE_POLICY: "Sometimes" } }),
    `KJO_DELETE_POLICY: must be one of Always, Never, IfFailed, IfSucceeded, got "Sometimes"`,
  );
  assert.equal(
    await settingsError({ env: {}, flags: { output: "xml" } }),
    `--output: must be one of text, jsonl, got "xml"`,
  );
  assert.equal(
    await settingsError({ env: { KJO_IN_CLUSTER: "maybe" } }),
    `KJO_IN_CLUSTER: must be a boolean (true/false, yes/no, on/off, 1/0), got "maybe"`,
  );
  assert.equal(
    await settingsError({ env: { KJO_RANDOM_NAME_POSTFIX_LENGTH: "2.5" } }),
    `KJO_RANDOM_NAME_POSTFIX_LENGTH: must be an integer from 0 to 32, got "2.5"`,
  );
  assert.equal(
    await settingsError({ env: { KJO_STARTUP_TIMEOUT_SECONDS: "-1" } }),
    `KJO_STARTUP_TIMEOUT_SECONDS: must be a number from 0 up, got "-1"`,
  );
  assert.equal(
    await settingsError({ env: {}, flags: { startupTimeoutSeconds: "-5" } }),
    `--startup-timeout: must be a number from 0 up, got "-5"`,
  );
  assert.match(
    await settingsError({ env: { KJO_NAMESPACE: "Bad_NS" } }),
    /^KJO_NAMESPACE: must be a DNS-1123 label/,
  );
  assert.equal(
    await settingsError({ env: { KJO_LOG_LEVEL: "warn" } }),
    `KJO_LOG_LEVEL: must be one of info, debug, got "warn"`,
    "only the levels that change the output",
  );
  await withDir(async (dir) => {
    const file = join(dir, "x.yaml");
    await Deno.writeTextFile(file, "delete_policy: Sometimes\n");
    assert.equal(
      await settingsError({ configFile: file, env: {} }),
      `config file ${file}: delete_policy: must be one of Always, Never, IfFailed, IfSucceeded, got "Sometimes"`,
    );
    await Deno.writeTextFile(file, "show_runner_id: 3\n");
    assert.match(
      await settingsError({ configFile: file, env: {} }),
      /: show_runner_id: must be a boolean/,
    );
  });
});

Deno.test("resolveSettings: a startup timeout of 0 (no limit) is accepted", async () => {
  const settings = await resolveSettings({ env: {}, flags: { startupTimeoutSeconds: "0" } });
  assert.equal(settings.startupTimeoutSeconds, 0);
});

Deno.test("resolveSettings: config file problems", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "x.yaml");
    await Deno.writeTextFile(file, "delete_policy: Never\ncolour: red\n");
    assert.match(
      await settingsError({ configFile: file, env: {} }),
      new RegExp(`^config file ${file}: unknown key "colour" \\(known: delete_policy, `),
    );
    await Deno.writeTextFile(file, "- a\n");
    assert.equal(
      await settingsError({ configFile: file, env: {} }),
      `config file ${file}: must hold a mapping of settings`,
    );
    await Deno.writeTextFile(file, "a: [\n");
    assert.match(
      await settingsError({ configFile: file, env: {} }),
      new RegExp(`^config file ${file}: line 2, column 1: `),
    );
    await Deno.writeTextFile(file, "");
    assert.equal(
      (await resolveSettings({ configFile: file, env: {} })).deletePolicy,
      "IfSucceeded",
    );
    await Deno.writeTextFile(file, "namespace: null\n");
    assert.equal((await resolveSettings({ configFile: file, env: {} })).namespace, undefined);
    assert.equal(
      await settingsError({ configFile: join(dir, "none.yaml"), env: {} }),
      `config file ${join(dir, "none.yaml")}: not found`,
    );
  });
});

Deno.test("resolveSettings: events, flag > KJO_EVENTS > config file > unset (the writer's default)", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "kjo.yaml");
    await Deno.writeTextFile(file, "events: none\n");
    const resolve = (flags: Record<string, unknown>, env: Record<string, string>) =>
      resolveSettings({ configFile: file, flags, env });
    const all = await resolve({ events: "all" }, { KJO_EVENTS: "warnings" });
    assert.deepEqual([all.events, all.sources.events], ["all", "flag"]);
    const env = await resolve({}, { KJO_EVENTS: "warnings" });
    assert.deepEqual([env.events, env.sources.events], ["warnings", "env"]);
    const fromFile = await resolve({}, {});
    assert.deepEqual([fromFile.events, fromFile.sources.events], ["none", "file"]);
    const unset = await resolveSettings({ env: {} });
    assert.deepEqual([unset.events, unset.sources.events], [undefined, "default"]);
    assert.equal(
      await settingsError({ env: { KJO_EVENTS: "normal" } }),
      'KJO_EVENTS: must be one of all, warnings, none, got "normal"',
    );
  });
});
