# shellcheck shell=bash
# Shared helpers for infra/local/{up,down,status}. Source it, do not run it.
#
# Layout of the state directory ($SEGFLOW_HOME, default <repo>/.segflow):
#   logs/<name>.log     stdout+stderr of each component
#   data/{redis,kafka}  persistent data (survives down/up, removed by down --purge)
#   pids/<name>.pid     pid of the component (it is also its process-group id, see sf_start)
#   pids/<name>.port    port it listens on, so status/up see the real port of a running stack
#   pids/<name>.started start time of the pid, protects against pid reuse after a reboot
#   ports               the port variables the stack was started with (from up until down)
#   bin/                redis-server extracted from the embedded-redis jar
#   kafka/              broker jars (libs/), server.properties, log4j2.properties

set -euo pipefail

# Repo root = two levels above this file; no git needed.
SEGFLOW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SEGFLOW_HOME=${SEGFLOW_HOME:-$SEGFLOW_ROOT/.segflow}
mkdir -p "$SEGFLOW_HOME"
SEGFLOW_HOME=$(cd "$SEGFLOW_HOME" && pwd) # absolute: it is written into configs
SF_LOGS=$SEGFLOW_HOME/logs
SF_DATA=$SEGFLOW_HOME/data
SF_PIDS=$SEGFLOW_HOME/pids
SF_BIN=$SEGFLOW_HOME/bin
mkdir -p "$SF_LOGS" "$SF_DATA" "$SF_PIDS" "$SF_BIN"

# Components in start order; down stops them in reverse.
SF_FUNCTIONS=(ingest segment trigger api)
# redis-2 and redis-3 run only with up --redis-cluster (then redis is the cluster's first master); prometheus
# only with up --observability.
SF_REDIS_CLUSTER_NODES=(redis redis-2 redis-3)
SF_ALL=("${SF_REDIS_CLUSTER_NODES[@]}" kafka "${SF_FUNCTIONS[@]}" prometheus)

# Ports: a variable set wins; else the port the stack in this home was started with (up records them in
# $SF_PORTS_FILE, down removes it), so that status, down and a later up see the ports it really uses; else the
# defaults for a single dev stack.
SF_PORT_VARIABLES=(SEGFLOW_API_PORT SEGFLOW_INGEST_PORT SEGFLOW_SEGMENT_PORT SEGFLOW_TRIGGER_PORT SEGFLOW_KAFKA_PORT
  SEGFLOW_KAFKA_CONTROLLER_PORT SEGFLOW_REDIS_PORT SEGFLOW_PROMETHEUS_PORT)
SF_PORTS_FILE=$SEGFLOW_HOME/ports
if [[ -f $SF_PORTS_FILE ]]; then
  while IFS='=' read -r sf_variable sf_value; do
    if [[ " ${SF_PORT_VARIABLES[*]} " == *" $sf_variable "* && -z ${!sf_variable:-} ]]; then
      printf -v "$sf_variable" '%s' "$sf_value"
    fi
  done <"$SF_PORTS_FILE"
fi
SEGFLOW_API_PORT=${SEGFLOW_API_PORT:-8080}
SEGFLOW_INGEST_PORT=${SEGFLOW_INGEST_PORT:-8081}
SEGFLOW_SEGMENT_PORT=${SEGFLOW_SEGMENT_PORT:-8082}
SEGFLOW_TRIGGER_PORT=${SEGFLOW_TRIGGER_PORT:-8083}
SEGFLOW_KAFKA_PORT=${SEGFLOW_KAFKA_PORT:-9092}
SEGFLOW_KAFKA_CONTROLLER_PORT=${SEGFLOW_KAFKA_CONTROLLER_PORT:-$((SEGFLOW_KAFKA_PORT + 1000))}
SEGFLOW_REDIS_PORT=${SEGFLOW_REDIS_PORT:-6379}
SEGFLOW_PROMETHEUS_PORT=${SEGFLOW_PROMETHEUS_PORT:-9090}

# Records the ports this stack uses, for status, down and later runs of up (see above).
sf_record_ports() {
  local variable
  for variable in "${SF_PORT_VARIABLES[@]}"; do echo "$variable=${!variable}"; done >"$SF_PORTS_FILE"
}

sf_log() { printf '==> %s\n' "$*" >&2; }
sf_warn() { printf 'warning: %s\n' "$*" >&2; }
sf_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Configured port of a component (from the env/defaults above).
sf_env_port() {
  case $1 in
    redis) echo "$SEGFLOW_REDIS_PORT" ;;
    redis-2) echo $((SEGFLOW_REDIS_PORT + 1)) ;;
    redis-3) echo $((SEGFLOW_REDIS_PORT + 2)) ;;
    kafka) echo "$SEGFLOW_KAFKA_PORT" ;;
    ingest) echo "$SEGFLOW_INGEST_PORT" ;;
    segment) echo "$SEGFLOW_SEGMENT_PORT" ;;
    trigger) echo "$SEGFLOW_TRIGGER_PORT" ;;
    api) echo "$SEGFLOW_API_PORT" ;;
    prometheus) echo "$SEGFLOW_PROMETHEUS_PORT" ;;
    *) sf_die "unknown component $1" ;;
  esac
}

# Port a component really uses: the recorded one while it runs, else the configured one.
sf_port() {
  if sf_alive "$1" && [[ -s $SF_PIDS/$1.port ]]; then cat "$SF_PIDS/$1.port"; else sf_env_port "$1"; fi
}

# JDK 21+ finder, shared with .ci/run.
# shellcheck source=jdk.sh
source "$SEGFLOW_ROOT/infra/local/jdk.sh"

# ---------------------------------------------------------------- processes

sf_pid() { [[ -s $SF_PIDS/$1.pid ]] && cat "$SF_PIDS/$1.pid"; }

sf_start_time() { ps -o lstart= -p "$1" 2>/dev/null | sed 's/^ *//'; }

# True when pid is a live process (a zombie, i.e. exited but not yet reaped, counts as dead).
sf_running() {
  kill -0 "$1" 2>/dev/null || return 1
  [[ $(ps -o stat= -p "$1" 2>/dev/null | tr -d " ") != Z* ]]
}

# True when the component's pid file points at a live process that is still the one we started.
sf_alive() {
  local pid started
  pid=$(sf_pid "$1") || return 1
  sf_running "$pid" || return 1
  if [[ -s $SF_PIDS/$1.started ]]; then
    started=$(cat "$SF_PIDS/$1.started")
    [[ $(sf_start_time "$pid") == "$started" ]] || return 1
  fi
}

# sf_start NAME PORT CMD... : runs CMD in the background in its own session (setsid),
# so that Ctrl-C in the terminal does not hit it directly, and so that pid == process-group id
# and down can kill the whole group. Output is appended to logs/NAME.log.
sf_start() {
  local name=$1 port=$2 log=$SF_LOGS/$1.log
  shift 2
  printf '\n===== %s: starting %s =====\n' "$(date '+%F %T')" "$name" >>"$log"
  if command -v setsid >/dev/null; then
    # A non-interactive shell's background job is not a group leader, so setsid does not fork
    # and $! is the pid of the final program.
    setsid "$@" >>"$log" 2>&1 </dev/null &
  else
    # macOS has no setsid(1); perl does the same.
    perl -e 'use POSIX; POSIX::setsid(); exec @ARGV or die "exec: $!"' "$@" >>"$log" 2>&1 </dev/null &
  fi
  local pid=$!
  echo "$pid" >"$SF_PIDS/$name.pid"
  echo "$port" >"$SF_PIDS/$name.port"
  sf_start_time "$pid" >"$SF_PIDS/$name.started" || true
}

sf_any_alive() {
  local name
  for name in "${SF_ALL[@]}"; do sf_alive "$name" && return 0; done
  return 1
}

sf_forget() { rm -f "$SF_PIDS/$1.pid" "$SF_PIDS/$1.port" "$SF_PIDS/$1.started"; }

# sf_stop NAME [TIMEOUT]: TERM the process group, wait, then KILL. Always removes the pid files.
sf_stop() {
  local name=$1 timeout=${2:-15} pid i
  if ! sf_alive "$name"; then
    sf_forget "$name"
    return 0
  fi
  pid=$(sf_pid "$name")
  sf_log "stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 5; i++)); do
    sf_running "$pid" || break
    sleep 0.2
  done
  if sf_running "$pid"; then
    sf_warn "$name did not stop within ${timeout}s; killing it"
  fi
  # KILL whatever is left of the group (children included), then reap the leader.
  kill -KILL -- "-$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sf_forget "$name"
}

# ---------------------------------------------------------------- waiting

sf_port_open() { (exec 3<>"/dev/tcp/${2:-127.0.0.1}/$1") 2>/dev/null; }

# HTTP status code of a GET, "000" when nothing answers.
sf_http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$1" 2>/dev/null || true; }

# Sends PING over the Redis protocol with bash only (no redis-cli needed); true on +PONG.
# sf_redis_call PORT WORD... : one inline command, prints the reply's lines (a bulk reply's text without its
# length line), at most 2 s.
sf_redis_call() {
  local port=$1
  shift
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf '%s\r\n' "$*" >&3
    local line
    IFS= read -r -t 2 line <&3 || exit 1
    line=${line%$'\r'}
    if [[ $line == '$'* ]]; then
      head -c "${line#\$}" <&3
    else
      printf '%s\n' "$line"
    fi
  ) 2>/dev/null
}

sf_redis_ping() {
  local reply=""
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'PING\r\n' >&3
    IFS= read -r -t 2 reply <&3 && [[ $reply == "+PONG"* ]]
  ) 2>/dev/null
}

# sf_wait_port NAME PORT TIMEOUT: waits for the port; fails early if NAME's process died.
sf_wait_port() {
  local name=$1 port=$2 timeout=$3 deadline=$((SECONDS + $3))
  until sf_port_open "$port"; do
    sf_alive "$name" || { sf_warn "$name exited during startup"; return 1; }
    ((SECONDS < deadline)) || { sf_warn "$name: port $port not open after ${timeout}s"; return 1; }
    sleep 0.5
  done
}

# sf_wait_http NAME URL TIMEOUT: waits for a 2xx answer; fails early if NAME's process died.
sf_wait_http() {
  local name=$1 url=$2 timeout=$3 deadline=$((SECONDS + $3)) code
  while :; do
    code=$(sf_http_code "$url")
    [[ $code == 2* ]] && return 0
    sf_alive "$name" || { sf_warn "$name exited during startup"; return 1; }
    ((SECONDS < deadline)) || { sf_warn "$name: $url not ready after ${timeout}s (last status $code)"; return 1; }
    sleep 1
  done
}

# Java processes of this stack carry -Dsegflow-local.home=<SEGFLOW_HOME> (deliberately not under
# segflow.*: the functions reject unknown segflow.* properties); lists those with no pid file
# (e.g. pid files deleted while running) so that down can still clean them up.
sf_orphans() {
  local known=" " name pid
  for name in "${SF_ALL[@]}"; do pid=$(sf_pid "$name") && known+="$pid "; done
  ps -eo pid=,args= 2>/dev/null | grep -F -- "-Dsegflow-local.home=$SEGFLOW_HOME " | grep -v -F grep |
    while read -r pid _; do [[ $known == *" $pid "* ]] || echo "$pid"; done
}

# -Xms and -Xmn for the last -Xmx (in m or g) of the JVM options given: the whole heap, a quarter of it young
# (nothing without an -Xmx). segment-function runs with them: see docs/operations.md.
sf_fixed_heap() {
  local xmx mb
  xmx=$(grep -oE -- '-Xmx[0-9]+[mMgG]' <<<"$1" | tail -n 1) || true
  [[ -n $xmx ]] || return 0
  mb=${xmx:4:-1}
  [[ ${xmx: -1} == [gG] ]] && mb=$((mb * 1024))
  echo "-Xms${mb}m -Xmn$((mb / 4))m"
}
