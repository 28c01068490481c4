#!/usr/bin/env bash
# The demo: installs Deno if needed, starts the local cluster (building it
# the first time), and runs fixtures/demo_job.yaml through kjo, showing the
# pod's logs, an XCom value and the result. The cluster keeps running
# afterwards; stop it with `scripts/devcluster/down.sh`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
DENO="$(scripts/bootstrap.sh)"
bash scripts/devcluster/up.sh
echo "--- kjo run -f fixtures/demo_job.yaml" >&2
"$DENO" run -A cli.ts run -f fixtures/demo_job.yaml --kubeconfig .devcluster/kubeconfig "$@"
