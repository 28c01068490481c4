import assert from "node:assert/strict";
import { ClusterError } from "../../../src/errors.ts";
import { ApiError, unauthorizedError } from "../../../src/kube/api_error.ts";

Deno.test("ApiError.serverMessage: the Status message, else the whole error message", () => {
  const withStatus = new ApiError({
    status: 401,
    method: "GET",
    path: "/api/v1/pods",
    body: { message: "Unauthorized" },
  });
  assert.equal(withStatus.serverMessage, "Unauthorized");
  const bare = new ApiError({ status: 401, method: "GET", path: "/api/v1/pods" });
  assert.equal(bare.serverMessage, "GET /api/v1/pods: HTTP 401 no details");
});

Deno.test("unauthorizedError: a ClusterError saying the credentials were refused, with the cause", () => {
  const err = new ApiError({
    status: 401,
    method: "GET",
    path: "/api/v1/pods",
    body: { message: "Unauthorized" },
  });
  const error = unauthorizedError(err);
  assert.ok(error instanceof ClusterError);
  assert.equal(
    error.message,
    "unauthorized: the cluster did not accept kjo's credentials (Unauthorized)",
  );
  assert.equal(error.cause, err);
  assert.equal(
    unauthorizedError(err, "token expired").message,
    "unauthorized: the cluster did not accept kjo's credentials (token expired)",
  );
});
