/**
 * Maps `apiVersion/kind` to the {@linkcode StateRule} that judges objects of
 * that kind. Built-ins: `v1/Pod` ({@linkcode podState}) and `batch/v1/Job`
 * ({@linkcode jobState}); custom kinds come from a rules file or from a
 * function given to the library.
 *
 * @module
 */

import { InputError } from "../errors.ts";
import { describeObject, type KubeObject } from "../kube/kube_object.ts";
import type { StateRule, StateVerdict } from "./resource_state.ts";
import { jobState } from "./job_state.ts";
import { podState } from "./pod_state.ts";

/**
 * The registry key of a kind: `v1/Pod`, `batch/v1/Job`, `example.com/v1/Widget`.
 */
export function kindKey(apiVersion: string, kind: string): string {
  return `${apiVersion.trim()}/${kind.trim()}`;
}

/**
 * State rules by kind.
 *
 * @example Judge a custom kind next to the built-ins
 * ```ts
 * import { KindRegistry } from "./kind_registry.ts";
 *
 * const registry = KindRegistry.withBuiltins().register("example.com/v1", "Widget", (widget) => {
 *   const status = widget.status as { done?: boolean } | undefined;
 *   return { state: status?.done ? "Succeeded" : "Running" };
 * });
 * const verdict = registry.judge({
 *   apiVersion: "example.com/v1",
 *   kind: "Widget",
 *   metadata: { name: "w1" },
 *   status: { done: true },
 * });
 * console.log(verdict.state); // "Succeeded"
 * // A kind without a rule throws an InputError (exit 2) before anything is created:
 * registry.has("apps/v1", "Deployment"); // false
 * ```
 */
export class KindRegistry {
  readonly #rules = new Map<string, StateRule>();
  readonly #kinds = new Map<string, { apiVersion: string; kind: string }>();

  /**
   * A registry with the built-in rules for `v1/Pod` and `batch/v1/Job`.
   */
  static withBuiltins(): KindRegistry {
    return new KindRegistry()
      .register("v1", "Pod", podState)
      .register("batch/v1", "Job", jobState);
  }

  /**
   * Adds (or replaces, built-ins included) the rule of a kind; returns the
   * registry for chaining.
   */
  register(apiVersion: string, kind: string, rule: StateRule): this {
    this.#rules.set(kindKey(apiVersion, kind), rule);
    this.#kinds.set(kindKey(apiVersion, kind), {
      apiVersion: apiVersion.trim(),
      kind: kind.trim(),
    });
    return this;
  }

  /**
   * Registers many rules, e.g. the result of `parseCustomKindRules`.
   */
  registerAll(rules: Iterable<{ apiVersion: string; kind: string; rule: StateRule }>): this {
    for (const r of rules) this.register(r.apiVersion, r.kind, r.rule);
    return this;
  }

  /**
   * Whether a kind has a rule.
   */
  has(apiVersion: string, kind: string): boolean {
    return this.#rules.has(kindKey(apiVersion, kind));
  }

  /**
   * The rule for an object's kind, or undefined.
   */
  lookup(object: Pick<KubeObject, "apiVersion" | "kind">): StateRule | undefined {
    if (typeof object.apiVersion !== "string" || typeof object.kind !== "string") return undefined;
    return this.#rules.get(kindKey(object.apiVersion, object.kind));
  }

  /**
   * The rule for an object's kind; throws an {@linkcode InputError} (exit 2)
   * when there is none, so the runner can refuse the first resource before
   * creating anything.
   */
  require(object: KubeObject): StateRule {
    const rule = this.lookup(object);
    if (rule) return rule;
    throw new InputError(
      `no state rule for ${object.apiVersion} ${object.kind} (${
        describeObject(object)
      }, the tracked resource); ` +
        `pass a rules file declaring when it runs, succeeds and fails (known kinds: ${
          this.keys().join(", ")
        })`,
    );
  }

  /**
   * Judges an object with the rule of its kind; throws like {@linkcode require}.
   */
  judge(object: KubeObject): StateVerdict {
    return this.require(object)(object);
  }

  /**
   * The registered keys, sorted.
   */
  keys(): string[] {
    return [...this.#rules.keys()].sort();
  }

  /**
   * Every kind with a rule, as `{ apiVersion, kind }`, in key order.
   */
  kinds(): { apiVersion: string; kind: string }[] {
    return this.keys().map((key) => this.#kinds.get(key)!);
  }
}
