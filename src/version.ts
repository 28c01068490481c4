/**
 * kjo's version, as printed by `kjo --version`.
 *
 * @example
 * ```ts
 * import { VERSION } from "./version.ts";
 * console.log(VERSION);
 * ```
 */
export const VERSION = "0.1.0";
