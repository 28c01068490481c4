# Helpers shared by the devcluster scripts; sourced, with $state set.

# free_port: prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# is_running NAME: true when the pid recorded for NAME is alive.
is_running() {
  local pidfile="$state/pids/$1.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# start_component NAME BINARY ARGS...: starts NAME in its own session unless
# it runs already, with output in logs/NAME.log and its pid in pids/NAME.pid.
start_component() {
  local name="$1"; shift
  if is_running "$name"; then
    echo "devcluster: $name already running (pid $(cat "$state/pids/$name.pid"))" >&2
    return 0
  fi
  setsid "$@" >>"$state/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$state/pids/$name.pid"
  echo "devcluster: started $name (pid $!)" >&2
}

# stop_component NAME [GRACE_SECONDS]: SIGTERM, wait, then SIGKILL, by pid.
stop_component() {
  local name="$1" grace="${2:-10}" pidfile="$state/pids/$1.pid" pid i
  [ -f "$pidfile" ] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    echo "devcluster: stopped $name (pid $pid)" >&2
  fi
  rm -f "$pidfile"
}

# api_get PATH: GET from the API server as admin; fails unless HTTP 2xx.
api_get() {
  curl -sf --cacert "$state/pki/ca.crt" --cert "$state/pki/admin.crt" --key "$state/pki/admin.key" \
    "https://127.0.0.1:$API_PORT$1"
}

# node_ready NAME: true when the node's Ready condition is True.
node_ready() {
  api_get "/api/v1/nodes/$1" | python3 -c '
import json, sys
node = json.load(sys.stdin)
ready = [c for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"]
sys.exit(0 if ready and ready[0]["status"] == "True" else 1)'
}

# wait_for WHAT SECONDS COMMAND...: retries COMMAND until it succeeds.
wait_for() {
  local what="$1" seconds="$2"; shift 2
  local deadline=$(( $(date +%s) + seconds ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "devcluster: timed out after ${seconds}s waiting for $what; logs in $state/logs/" >&2
      return 1
    fi
    sleep 0.5
  done
}
