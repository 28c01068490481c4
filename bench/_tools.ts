/**
 * The peers of the benchmark: how each one is prepared and the command line of one run.
 *
 * @module
 */

import { ensureVenv } from "./_venv.ts";

/** What a tool's preparation and command need. */
export interface BenchContext {
  /** Repository root (the folder of deno.json). */
  root: string;
  /** `ROOT/bench`. */
  benchDir: string;
  /** Scratch folder of this run (outputs, the bundle, Airflow homes). */
  workDir: string;
  /** Admin kubeconfig of the local cluster. */
  kubeconfig: string;
  /** Namespace every run uses. */
  namespace: string;
  /** The deno binary running this benchmark. */
  deno: string;
  /** Python used to create the venvs. */
  python: string;
  /** `--bundle PATH`: an existing bundle instead of building one. */
  bundle?: string;
  /** `--relock`: re-resolve the Python requirements first. */
  relock: boolean;
  /** Progress lines. */
  log: (line: string) => void;
}

/** One peer. */
export interface Tool {
  /** Short id used by `--tools`. */
  id: string;
  /** Name in the report. */
  label: string;
  /** How it is run, one line for the report. */
  how: string;
  /** What to know when reading its numbers. */
  caveat?: string;
  /** Installs or builds what it needs; throws when it cannot run here. */
  prepare(ctx: BenchContext): Promise<void>;
  /** The command line of one run of `bodyFile`. */
  command(ctx: BenchContext, bodyFile: string): string[];
  /** Extra environment of a run. */
  env?(ctx: BenchContext): Record<string, string>;
}

/** Everything a tool resolved in `prepare`, by tool id. */
const prepared = new Map<string, string>();

function kjoArgs(ctx: BenchContext, bodyFile: string): string[] {
  return [
    "run",
    "-f",
    bodyFile,
    "-o",
    "jsonl",
    "--delete-policy",
    "Always",
    "--kubeconfig",
    ctx.kubeconfig,
    "-n",
    ctx.namespace,
  ];
}

function airflowEnv(ctx: BenchContext, id: string): Record<string, string> {
  return {
    AIRFLOW_HOME: `${ctx.benchDir}/results/tmp/airflow-home-${id}`,
    AIRFLOW__CORE__LOAD_EXAMPLES: "False",
    KUBECONFIG: ctx.kubeconfig,
  };
}

/**
 * The five peers, in report order. kjo (from source) is the reference of every ratio.
 *
 * @example
 * ```ts
 * const ids = TOOLS.map((t) => t.id); // ["kjo", "kjo-bundle", "kubectl", "original", "provider"]
 * ```
 */
export const TOOLS: Tool[] = [
  {
    id: "kjo",
    label: "kjo (source)",
    how: "`deno run -A cli.ts run -f BODY -o jsonl --delete-policy Always`",
    prepare: async () => {},
    command: (ctx, body) => [ctx.deno, "run", "-A", "cli.ts", ...kjoArgs(ctx, body)],
  },
  {
    id: "kjo-bundle",
    label: "kjo (bundle)",
    how: "`deno bundle --platform deno` of cli.ts (the `bundle` task's command), " +
      "then `deno run -A kjo.js run ...` (same flags)",
    prepare: async (ctx) => {
      let bundle = ctx.bundle;
      if (!bundle) {
        // The `bundle` task's own command, with the output in the scratch folder (dist/ is not ours).
        bundle = `${ctx.workDir}/kjo.js`;
        ctx.log(`building ${bundle} (deno bundle --platform deno cli.ts)`);
        const { code, stderr } = await new Deno.Command(ctx.deno, {
          args: ["bundle", "--platform", "deno", "-o", bundle, "cli.ts"],
          cwd: ctx.root,
          stdout: "null",
          stderr: "piped",
        }).output();
        if (code !== 0) {
          throw new Error(`deno bundle exited ${code}: ${new TextDecoder().decode(stderr).trim()}`);
        }
      }
      await Deno.stat(bundle);
      prepared.set("kjo-bundle", bundle);
    },
    command: (ctx, body) => [
      ctx.deno,
      "run",
      "-A",
      prepared.get("kjo-bundle")!,
      ...kjoArgs(ctx, body),
    ],
  },
  {
    id: "kubectl",
    label: "kubectl script",
    how:
      "`bench/peers/kubectl_baseline.sh`: kubectl create, logs -f job/NAME, wait complete, delete",
    prepare: async () => {
      const { code } = await new Deno.Command("kubectl", {
        args: ["version", "--client"],
        stdout: "null",
        stderr: "null",
      }).output();
      if (code !== 0) throw new Error("kubectl is not on PATH");
    },
    command: (ctx, body) => [
      "bash",
      `${ctx.benchDir}/peers/kubectl_baseline.sh`,
      body,
      ctx.kubeconfig,
      ctx.namespace,
    ],
  },
  {
    id: "original",
    label: "original (JobRunner)",
    how: "`bench/peers/original_runner.py`: airflow-kubernetes-job-operator 2.0.14's JobRunner " +
      "(what KubernetesJobOperator.execute runs), Airflow 2.11.2, delete_policy Always",
    caveat: "returns as soon as the Job succeeds; its log readers are daemon threads, so lines " +
      "not yet read when the process exits are lost (scenario B); an Airflow task process also " +
      "exits once execute() returns (not tried under Airflow here)",
    prepare: async (ctx) => {
      prepared.set(
        "original",
        await ensureVenv({
          name: "original",
          benchDir: ctx.benchDir,
          python: ctx.python,
          relock: ctx.relock,
          log: ctx.log,
        }),
      );
      await Deno.mkdir(`${ctx.benchDir}/results/tmp/airflow-home-original`, { recursive: true });
    },
    command: (ctx, body) => [
      prepared.get("original")!,
      `${ctx.benchDir}/peers/original_runner.py`,
      body,
      ctx.kubeconfig,
      "Always",
      ctx.namespace,
    ],
    env: (ctx) => airflowEnv(ctx, "original"),
  },
  {
    id: "provider",
    label: "provider KubernetesPodOperator",
    how: "`bench/peers/provider_kpo.py`: apache-airflow-providers-cncf-kubernetes 10.25.0 " +
      "KubernetesPodOperator.execute (Airflow 3.3.2), get_logs=True, on_finish_action=delete_pod",
    caveat: "runs the Job's pod template as a bare Pod (pod-based operator); checks the pod's " +
      "start every startup_check_interval_seconds (default 5 s), the floor of its A and B wall " +
      "times; imports Airflow 3 (about 200 MB RSS)",
    prepare: async (ctx) => {
      prepared.set(
        "provider",
        await ensureVenv({
          name: "provider",
          benchDir: ctx.benchDir,
          python: ctx.python,
          relock: ctx.relock,
          log: ctx.log,
        }),
      );
      await Deno.mkdir(`${ctx.benchDir}/results/tmp/airflow-home-provider`, { recursive: true });
    },
    command: (ctx, body) => [
      prepared.get("provider")!,
      `${ctx.benchDir}/peers/provider_kpo.py`,
      body,
      ctx.kubeconfig,
      ctx.namespace,
    ],
    env: (ctx) => airflowEnv(ctx, "provider"),
  },
];
