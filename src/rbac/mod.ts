/**
 * Least-privilege RBAC for kjo: the rules a body needs, as Roles or a
 * ClusterRole. Pure computation; the CLI resolves kinds to resources.
 *
 * @example
 * ```ts
 * import { roleForBody } from "./src/rbac/mod.ts";
 * ```
 *
 * @module
 */

export * from "./role_for_body.ts";
