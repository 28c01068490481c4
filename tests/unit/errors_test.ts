import assert from "node:assert/strict";
import { errorText, InputError } from "../../src/errors.ts";

Deno.test("errorText: an Error's message, anything else as a string", () => {
  assert.equal(errorText(new InputError("bad flag")), "bad flag");
  assert.equal(errorText(new TypeError("not a function")), "not a function");
  assert.equal(errorText("plain"), "plain");
  assert.equal(errorText(42), "42");
  assert.equal(errorText(undefined), "undefined");
});
