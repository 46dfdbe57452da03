#!/usr/bin/env bash
# Runs the same load-tool scenarios against Mosquitto (started here, on a free loopback port, persistence
# off) and against our broker (started separately by you), alternating between the two, and prints each
# figure side by side with the ratio ours / Mosquitto. All traffic stays on 127.0.0.0/8.
#
# Prerequisites (this script installs nothing):
#   apt-get install -y mosquitto                  # the broker to compare with
#   mvn -B -q -pl load-tool -am package -DskipTests   # builds load-tool/target/load-tool.jar
#
# Usage:
#   load-tool/bench-vs-mosquitto.sh [--ours 127.0.0.1:1883] [--ours-pid PID] [--ours-cmd 'COMMAND']
#                                   [--rounds 2] [--duration 10s] [--connections-only] [--quick] [--out DIR]
#
#   --ours HOST:PORT  our broker; without it only Mosquitto is measured (a baseline)
#   --ours-pid PID    our broker's process id, for its CPU and memory (default: found by its port with ss)
#   --ours-cmd CMD    a command that starts our broker listening on --ours (run with bash -c; it must
#                     stay in the foreground, e.g. ending in `exec java ...`). The script then starts our
#                     broker itself, freshly, before each idle-connections case and at the start, like
#                     Mosquitto, and stops it at the end
#   --connections-only  only the connection cases: idle connections, connect storm, reconnect storm
#   --rounds N        rounds of all cases; each round alternates which broker goes first (default 2)
#   --duration D      publishing time of the messaging cases (default 10s)
#   --quick           small counts and 2 s runs, to check the set-up
#   --out DIR         where results.jsonl, the logs and the table go (default: a new temporary directory)
#
# Mosquitto's configuration: persistence off, Nagle off (set_tcp_nodelay: without it Mosquitto's
# small writes wait for delayed ACKs and every latency figure is ~40 ms), and a finite
# max_inflight_messages: with 0 ("unlimited") Mosquitto 2.0.11 was seen to reuse QoS 2 packet
# identifiers still awaiting PUBREL under load, which the tool reports as loss.
#
# The idle-connections case runs first in every round, on a freshly started Mosquitto, because a
# broker's resident memory does not shrink after earlier connections; start our broker fresh too.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
jar="$here/target/load-tool.jar"
ours=""
ours_pid=""
rounds=2
duration="10s"
quick=false
out=""
ours_cmd=""
connections_only=false

while [[ $# -gt 0 ]]; do
  case "$1" in
    --ours) ours="$2"; shift 2 ;;
    --ours-pid) ours_pid="$2"; shift 2 ;;
    --ours-cmd) ours_cmd="$2"; shift 2 ;;
    --connections-only) connections_only=true; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --quick) quick=true; shift ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

mosquitto_bin="$(command -v mosquitto || true)"
[[ -z "$mosquitto_bin" && -x /usr/sbin/mosquitto ]] && mosquitto_bin=/usr/sbin/mosquitto
if [[ -z "$mosquitto_bin" ]]; then
  echo "mosquitto is not installed: apt-get install -y mosquitto" >&2
  exit 2
fi
if [[ ! -f "$jar" ]]; then
  echo "missing $jar: mvn -B -q -pl load-tool -am package -DskipTests" >&2
  exit 2
fi
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
  echo "--rounds: a positive number: $rounds" >&2
  exit 2
fi

ours_host=""; ours_port=""
if [[ -n "$ours" ]]; then
  ours_host="${ours%:*}"; ours_port="${ours##*:}"
  if ! [[ "$ours_host" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ || "$ours_host" == localhost ]]; then
    echo "--ours: only loopback addresses (127.0.0.0/8) may be targeted: $ours_host" >&2
    exit 2
  fi
  if [[ -z "$ours_pid" && -z "$ours_cmd" ]]; then
    ours_pid="$(ss -Hltnp "sport = :$ours_port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)"
  fi
  if [[ -z "$ours_cmd" && ( -z "$ours_pid" || ! -r "/proc/$ours_pid/stat" ) ]]; then
    echo "cannot find our broker's process on port $ours_port: pass --ours-pid" >&2
    exit 2
  fi
fi

out="${out:-$(mktemp -d /tmp/bench-vs-mosquitto.XXXXXX)}"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"

# Both brokers and the tool hold up to ~10k sockets in the connection cases.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

mosquitto_pid=""
mosquitto_port=""

free_port() {
  local port
  for _ in $(seq 50); do
    port=$(( 20000 + RANDOM % 30000 ))
    if ! ss -Htan "sport = :$port" | grep -q .; then
      echo "$port"; return 0
    fi
  done
  echo "no free port found" >&2; return 1
}

start_mosquitto() {
  stop_mosquitto
  mosquitto_port="$(free_port)"
  cat > "$out/mosquitto.conf" <<CONF
listener $mosquitto_port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 1000000
max_inflight_messages 1000
set_tcp_nodelay true
log_dest none
CONF
  "$mosquitto_bin" -c "$out/mosquitto.conf" > "$out/mosquitto.log" 2>&1 &
  mosquitto_pid=$!
  for _ in $(seq 100); do
    if ss -Hltn "sport = :$mosquitto_port" | grep -q LISTEN; then return 0; fi
    if ! kill -0 "$mosquitto_pid" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "mosquitto did not start (see $out/mosquitto.log)" >&2
  return 1
}

stop_mosquitto() {
  if [[ -n "$mosquitto_pid" ]] && kill -0 "$mosquitto_pid" 2>/dev/null; then
    kill "$mosquitto_pid"
    wait "$mosquitto_pid" 2>/dev/null || true
  fi
  mosquitto_pid=""
}

start_ours() {
  [[ -n "$ours_cmd" ]] || return 0
  stop_ours
  bash -c "$ours_cmd" >> "$out/ours.log" 2>&1 &
  ours_pid=$!
  for _ in $(seq 600); do
    if ss -Hltn "sport = :$ours_port" | grep -q LISTEN; then
      sleep 2   # let the start-up settle before the first RSS reading
      return 0
    fi
    if ! kill -0 "$ours_pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "our broker did not start (see $out/ours.log)" >&2
  return 1
}

stop_ours() {
  if [[ -n "$ours_cmd" && -n "$ours_pid" ]] && kill -0 "$ours_pid" 2>/dev/null; then
    kill "$ours_pid"
    wait "$ours_pid" 2>/dev/null || true
    # the port must be free before the next start
    for _ in $(seq 300); do
      ss -Hltn "sport = :$ours_port" | grep -q LISTEN || break
      sleep 0.2
    done
  fi
}
trap 'stop_mosquitto; stop_ours' EXIT

if $quick; then
  duration="2s"; idle=500; storm=1000; max_messages=200000
else
  idle=10000; storm=10000; max_messages=5000000
fi
# Persistent clients of the reconnect storm; override with RECONNECT_CLIENTS (at most ~19,700 here:
# each process may hold 20,000 descriptors).
reconnect="${RECONNECT_CLIENTS:-$storm}"

common="--duration $duration --warmup 1s --max-messages $max_messages"

# name|arguments
cases=(
  "idle connections|--scenario idle-connections --connections $idle --connect-rate 2000 --inflight 200 --hold 10s --duration 60s --source-addresses 8"
  "connect storm|--scenario connect-storm --connections $storm --connect-rate 50000 --inflight 200 --duration 60s --source-addresses 8"
  "reconnect storm|--scenario reconnect-storm --qos 1 --connections $reconnect --messages-per-client 2 --inflight 1000 --drain-timeout 60s --source-addresses 8"
  "fan-in qos0|--scenario fan-in --qos 0 --publishers 10 $common"
  "fan-in qos1|--scenario fan-in --qos 1 --publishers 10 $common"
  "fan-in qos2|--scenario fan-in --qos 2 --publishers 10 $common"
  "one-to-one qos0|--scenario one-to-one --qos 0 --publishers 10 $common"
  "one-to-one qos1|--scenario one-to-one --qos 1 --publishers 10 $common"
  "one-to-one qos2|--scenario one-to-one --qos 2 --publishers 10 $common"
  "fan-out qos0|--scenario fan-out --qos 0 --subscribers 10 $common"
  "fan-out qos1|--scenario fan-out --qos 1 --subscribers 10 $common"
  "fixed 20k/s qos1 fan-in|--scenario fan-in --qos 1 --publishers 10 --rate 20000 $common"
  "fixed 20k/s qos0 one-to-one|--scenario one-to-one --qos 0 --publishers 10 --rate 20000 $common"
)

run_case() { # target name args
  local target="$1" name="$2" args="$3" host port pid
  if [[ "$target" == mosquitto ]]; then
    host=127.0.0.1; port="$mosquitto_port"; pid="$mosquitto_pid"
  else
    host="$ours_host"; port="$ours_port"; pid="$ours_pid"
  fi
  echo "== $name on $target ($host:$port, pid $pid)" >&2
  # shellcheck disable=SC2086
  java -jar "$jar" --host "$host" --port "$port" --broker-pid "$pid" --label "$target" --case "$name" $args \
      >> "$results" 2>> "$out/load-tool.log" || echo "   (exit $? - see $out/load-tool.log)" >&2
  tail -n 8 "$out/load-tool.log" | sed -n '/^[a-z-]* \[/,$p' >&2
}

start_mosquitto
start_ours
for round in $(seq "$rounds"); do
  targets=(mosquitto)
  if [[ -n "$ours" ]]; then
    if (( round % 2 == 1 )); then targets=(mosquitto ours); else targets=(ours mosquitto); fi
  fi
  for entry in "${cases[@]}"; do
    name="${entry%%|*}"; args="${entry#*|}"
    if $connections_only && [[ "$name" != *connect* ]]; then
      continue
    fi
    for target in "${targets[@]}"; do
      if [[ "$name" == "idle connections" && "$target" == mosquitto ]]; then
        start_mosquitto
      fi
      if [[ "$name" == "idle connections" && "$target" == ours && -n "$ours_cmd" && $round -gt 1 ]]; then
        start_ours
      fi
      run_case "$target" "$name" "$args"
    done
  done
done
stop_mosquitto
stop_ours

{
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
  echo "Mosquitto: $("$mosquitto_bin" -h 2>&1 | head -1)"
  echo "Date: $(date -u +%Y-%m-%dT%H:%MZ), rounds: $rounds, load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  java -cp "$jar" io.mqttbridge.loadtool.report.ComparisonReport "$results" mosquitto ours
} | tee "$out/table.md"
echo "results: $results" >&2
