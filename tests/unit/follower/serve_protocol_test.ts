import assert from "node:assert/strict";
import { isRequestError, parseRequest } from "../../../src/follower/serve_protocol.ts";

Deno.test("parseRequest: reads each op with its fields", () => {
  assert.deepEqual(
    parseRequest(
      '{"op":"follow","id":"t1","runId":"k3f9x0q2m7ab","namespace":"jobs","logs":false,' +
        '"deletePolicy":"Always","cluster":{"kubeconfig":"/k","context":"c"},"executionTimeoutSeconds":60}',
    ),
    {
      op: "follow",
      id: "t1",
      runId: "k3f9x0q2m7ab",
      namespace: "jobs",
      logs: false,
      deletePolicy: "Always",
      cluster: { kubeconfig: "/k", context: "c" },
      executionTimeoutSeconds: 60,
    },
  );
  assert.deepEqual(parseRequest('{"op":"detach","id":7}'), { op: "detach", id: 7 });
  assert.deepEqual(parseRequest('{"op":"cleanup","id":8,"runId":"r1"}'), {
    op: "cleanup",
    id: 8,
    runId: "r1",
  });
  assert.deepEqual(parseRequest('{"op":"ping"}'), { op: "ping" });
});

Deno.test("parseRequest: a bad line names the field and the reason, with the id when readable", () => {
  const cases: [string, string, (string | number)?][] = [
    ["{", "not JSON"],
    ["[1]", "a request must be a JSON object"],
    [
      '{"op":"run","id":1}',
      'field "op" must be one of follow, detach, cleanup, ping, got "run"',
      1,
    ],
    ['{"op":"follow","id":1}', 'follow request: field "runId" is required', 1],
    ['{"op":"follow","runId":"r"}', 'follow request: field "id" is required'],
    ['{"op":"follow","id":{},"runId":"r"}', 'field "id" must be a non-empty string or a number'],
    [
      '{"op":"follow","id":2,"runId":"r","deletePolicy":"Sometimes"}',
      'follow request: field "deletePolicy" must be one of Always, Never, IfFailed, IfSucceeded',
      2,
    ],
    ['{"op":"follow","id":2,"runId":"a,b"}', 'follow request: field "runId" must be a run id', 2],
    [
      '{"op":"follow","id":2,"runId":"r","logs":"yes"}',
      'follow request: field "logs" must be true or false',
      2,
    ],
    [
      '{"op":"follow","id":2,"runId":"r","startupTimeoutSeconds":-1}',
      'follow request: field "startupTimeoutSeconds" must be a number of seconds > 0',
      2,
    ],
    [
      '{"op":"follow","id":2,"runId":"r","cluster":{"server":"x"}}',
      'follow request: field "cluster" has an unknown field "server"',
      2,
    ],
    [
      '{"op":"follow","id":2,"runId":"r","colour":"red"}',
      'follow request: unknown field "colour"',
      2,
    ],
    ['{"op":"detach","id":3,"runId":"r"}', 'detach request: unknown field "runId"', 3],
  ];
  for (const [line, message, id] of cases) {
    const parsed = parseRequest(line);
    assert.ok(isRequestError(parsed), line);
    assert.ok(parsed.error.startsWith(message), `${line}: ${parsed.error}`);
    assert.equal(parsed.id, id, line);
  }
});
