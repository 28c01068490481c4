/**
 * kjo's version, as printed by `kjo --version`.
 */
export const VERSION = "0.1.0";
