/**
 * `kjo rbac`: prints the least-privilege Role (or ClusterRole) that
 * `kjo run` (or `kjo cleanup`) needs for a body.
 *
 * @module
 */

import { type Command, Option } from "commander";
import { Document, isSeq, visit } from "yaml";
import { ExitCode, InputError } from "../errors.ts";
import { createKubeClient, type KubeClient } from "../kube/kube_client.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import { DNS_SUBDOMAIN_RULE, isDnsSubdomain } from "../kube/name_rules.ts";
import { resolveResource } from "../kube/resource_paths.ts";
import { type BodyResource, roleForBody, type RolePurpose } from "../rbac/role_for_body.ts";
import { knownResource } from "../kube/known_resources.ts";
import type { Settings } from "../config/settings.ts";
import { DEFAULT_CLEANUP_KINDS } from "../runner/cleanup_runs.ts";
import {
  addBodyOptions,
  addClusterOptions,
  type BodyFlags,
  bodySettingFlags,
  type ClusterFlags,
  clusterSettingFlags,
  settingsFrom,
  tryLoadKubeConfig,
} from "./_options.ts";
import { buildFromFlags } from "./_build_from_flags.ts";

/** The flags of `kjo rbac`, as commander gives them. */
export interface RbacFlags extends BodyFlags, ClusterFlags {
  /** `--name`: of the Role or ClusterRole. */
  name?: string;
  /** `--cluster-role`. */
  clusterRole?: true;
  /** `--for`: the command the role is for. */
  for: RolePurpose;
  /** `-o/--output`. */
  output: "yaml" | "json";
}

/** Adds `kjo rbac`, without its action ({@linkcode rbacAction}), to `program`. */
export function addRbacCommand(program: Command): Command {
  const command = program.command("rbac")
    .summary("print the minimal Role kjo needs for a body")
    .description(
      "Print the least-privilege Role (rbac.authorization.k8s.io/v1) that `kjo run` needs for a " +
        "body: get, list, watch, create and delete on each kind of the body (create also covers " +
        "the server-side dry run; no patch or update), plus get/list/watch on pods, get on " +
        "pods/log, get/list/watch on events and create/patch/delete on leases (the follower's " +
        "heartbeat). Rules are merged per API group. Common kinds are " +
        "known; other kinds are looked up in the cluster (give --kubeconfig or --context). A body " +
        "spanning namespaces gives one Role per namespace; cluster-scoped kinds need " +
        "--cluster-role. With --for cleanup: list on leases and list and delete on the kinds `kjo cleanup` looks in " +
        "(Job, Pod, Service, ConfigMap, Secret and the body's kinds, when a body is given). " +
        "Exit codes: 0 printed, 2 bad input, 3 cluster error.",
    );
  addBodyOptions(command);
  addClusterOptions(command);
  command
    .option("--name <name>", "name of the Role or ClusterRole (default kjo)")
    .option("--cluster-role", "emit a ClusterRole (for all namespaces or cluster-scoped kinds)")
    .addOption(
      new Option("--for <command>", "the kjo command the role is for").choices(["run", "cleanup"])
        .default("run"),
    )
    .addOption(
      new Option("-o, --output <format>", "yaml or json").choices(["yaml", "json"]).default("yaml"),
    )
    .addHelpText(
      "after",
      `
Examples:
  kjo rbac -f fixtures/multi_resource.yaml -n jobs --name kjo-runner | kubectl apply -f -
  kjo rbac -f widget_job.yaml --kubeconfig ~/.kube/config   # custom kinds: ask the cluster
  kjo rbac --image busybox --cluster-role --name kjo
  kjo rbac --for cleanup -n jobs`,
    );
  return command;
}

/** Prints the Role(s) the body and flags need; resolves to the exit code. */
export async function rbacAction(rest: string[], flags: RbacFlags): Promise<number> {
  const purpose = flags.for;
  const name = flags.name;
  if (name !== undefined && !isDnsSubdomain(name)) {
    throw new InputError(`--name ${JSON.stringify(name)}: must be ${DNS_SUBDOMAIN_RULE}`);
  }
  const hasBody = flags.bodyFile !== undefined || flags.body !== undefined ||
    flags.image !== undefined;
  let settings: Settings;
  let objects: KubeObject[] = [];
  if (purpose === "run" || hasBody) {
    // Names do not matter here: a fixed run id and no random postfix keep messages stable.
    ({ settings, objects } = await buildFromFlags(rest, {
      ...flags,
      randomNamePostfixLength: flags.randomNamePostfixLength ?? "0",
      runId: "rbac",
    }));
  } else {
    settings = await settingsFrom({ ...clusterSettingFlags(flags), ...bodySettingFlags(flags) });
  }
  const resolver = new KindResolver(settings);
  try {
    const resources: BodyResource[] = [];
    if (purpose === "cleanup") {
      const refs = [
        ...DEFAULT_CLEANUP_KINDS,
        ...objects.map(({ apiVersion, kind }) => ({ apiVersion, kind })),
      ];
      for (const ref of refs) {
        const object = { ...ref, metadata: {} };
        resources.push({ kind: ref.kind, ...(await resolver.resolve(object, undefined)) });
      }
    } else {
      for (const [i, object] of objects.entries()) {
        const info = await resolver.resolve(object, i + 1);
        resources.push({
          kind: object.kind,
          name: object.metadata.name,
          ...info,
          namespace: info.namespaced ? object.metadata.namespace : undefined,
        });
      }
    }
    const roles = roleForBody({
      resources,
      purpose,
      clusterRole: flags.clusterRole === true,
      name,
      namespace: settings.namespace ?? objects[0]?.metadata.namespace,
    });
    console.log(
      flags.output === "json"
        ? JSON.stringify(
          roles.length === 1 ? roles[0] : { apiVersion: "v1", kind: "List", items: roles },
          null,
          2,
        )
        : formatRoles(roles),
    );
    return ExitCode.Succeeded;
  } finally {
    resolver.close();
  }
}

/**
 * Formats roles as a YAML stream, with the lists of each rule in flow style
 * (`verbs: [get, list, watch]`) as Kubernetes docs write them.
 */
export function formatRoles(roles: KubeObject[]): string {
  return roles.map((role) => {
    const document = new Document(role);
    visit(document, {
      Seq(_key, node, path) {
        // Rule fields: document > map > pair(rules) > seq > map(rule) > pair > seq.
        if (isSeq(path[path.length - 3])) node.flow = true;
      },
    });
    return document.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd();
  }).join("\n---\n");
}

/**
 * Resolves kinds to RBAC resources: the static table first, the cluster's
 * API discovery for other kinds (the kube config is loaded only then).
 */
class KindResolver {
  #client?: KubeClient;
  constructor(private readonly settings: Settings) {}

  async resolve(
    object: KubeObject,
    documentIndex: number | undefined,
  ): Promise<{ group: string; plural: string; namespaced: boolean }> {
    const known = knownResource(object.apiVersion, object.kind);
    if (known) return known;
    if (!this.#client) {
      const loaded = tryLoadKubeConfig(this.settings);
      if (!loaded) {
        const where = documentIndex === undefined
          ? describeObject(object)
          : `document ${documentIndex} (${describeObject(object)})`;
        throw new InputError(
          `${where}: kind: kjo does not know the resource of ${object.apiVersion}/${object.kind}; ` +
            "give --kubeconfig (or --context) so it can ask the cluster",
        );
      }
      this.#client = createKubeClient(loaded.kubeConfig);
    }
    const info = await resolveResource(this.#client, object, documentIndex);
    return { group: info.group, plural: info.plural, namespaced: info.namespaced };
  }

  close(): void {
    this.#client?.close();
  }
}
