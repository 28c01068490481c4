import assert from "node:assert/strict";
import {
  containerColor,
  paint,
  podColor,
  shouldUseColor,
} from "../../../src/output/ansi_colors.ts";

Deno.test("podColor/containerColor: stable and spread", () => {
  assert.equal(podColor("build-x1y2-8kq2d"), podColor("build-x1y2-8kq2d"));
  const colors = new Set(Array.from({ length: 50 }, (_, i) => podColor(`pod-${i}`)));
  assert.ok(colors.size >= 4, `only ${colors.size} colours`);
  assert.ok([36, 32, 35, 33, 34, 31].includes(containerColor("main")));
  assert.equal(paint("x", "1;31"), "\x1b[1;31mx\x1b[0m");
});

Deno.test("shouldUseColor: NO_COLOR, FORCE_COLOR, TERM=dumb, TTY", () => {
  const tty = { isTerminal: () => true };
  const pipe = { isTerminal: () => false };
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(shouldUseColor(tty, env({})), true);
  assert.equal(shouldUseColor(pipe, env({})), false);
  assert.equal(shouldUseColor(tty, env({ NO_COLOR: "1" })), false);
  assert.equal(shouldUseColor(tty, env({ NO_COLOR: "" })), true);
  assert.equal(shouldUseColor(pipe, env({ FORCE_COLOR: "1" })), true);
  assert.equal(shouldUseColor(tty, env({ NO_COLOR: "1", FORCE_COLOR: "1" })), false);
  assert.equal(shouldUseColor(tty, env({ FORCE_COLOR: "0" })), true);
  assert.equal(shouldUseColor(tty, env({ TERM: "dumb" })), false);
  const throwing = () => {
    throw new Error("NotCapable");
  };
  assert.equal(shouldUseColor({ isTerminal: throwing }, env({})), false);
});
