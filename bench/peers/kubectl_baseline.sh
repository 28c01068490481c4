#!/usr/bin/env bash
# The minimal hand-written way to run a Job with kubectl: create it, follow its log, wait for
# completion, delete it. usage: kubectl_baseline.sh BODY_FILE KUBECONFIG NAMESPACE
#
# Waiting for the pod: `kubectl wait --for=condition=ready pod -l job-name=...` does not work
# here: it fails at once when the pod does not exist yet, and never returns for a pod that has
# already finished (Ready is False on a completed pod). `kubectl logs -f job/NAME` right after the
# create waits for the pod to exist but not for its container to start, and then fails ("container
# ... is waiting to start: ContainerCreating") in about 1 run of 5. So: poll the pod's phase
# until it leaves Pending, then follow.
set -euo pipefail
body="$1"; export KUBECONFIG="$2"; ns="$3"
base="$(awk '/^metadata:/ { m = 1; next } m && /^  name:/ { print $2; exit }' "$body")"
name="$base-$(printf '%04x%04x' "$RANDOM" "$RANDOM")"
sed "0,/^  name: .*/s//  name: $name/" "$body" | kubectl create -n "$ns" -f - -o name >&2
phase=""
until [ -n "$phase" ] && [ "$phase" != Pending ]; do
  phase="$(kubectl get pods -n "$ns" -l "job-name=$name" -o 'jsonpath={.items[0].status.phase}' 2>/dev/null || true)"
  [ -n "$phase" ] && [ "$phase" != Pending ] || sleep 0.2
done
rc=0
kubectl logs -n "$ns" -f "job/$name" --pod-running-timeout=120s || rc=$?
kubectl wait -n "$ns" --for=condition=complete "job/$name" --timeout=600s >&2 || rc=1
# Waits until the Job is gone; its pod goes with it (propagation Background, kubectl's default).
kubectl delete -n "$ns" "job/$name" >&2
exit "$rc"
