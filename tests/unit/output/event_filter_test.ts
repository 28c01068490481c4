import assert from "node:assert/strict";
import { EVENT_MODES } from "../../../src/choices.ts";
import { showsEvent } from "../../../src/output/event_filter.ts";

Deno.test("showsEvent: all shows every type, warnings all but Normal, none nothing", () => {
  const types = ["Normal", "Warning", "Error"];
  const shown = Object.fromEntries(
    EVENT_MODES.map((mode) => [mode, types.filter((type) => showsEvent(mode, type))]),
  );
  assert.deepEqual(shown, {
    all: ["Normal", "Warning", "Error"],
    warnings: ["Warning", "Error"],
    none: [],
  });
});
