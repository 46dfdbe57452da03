#!/bin/bash
# Bridge jars side by side at a FIXED rate (docs/BENCHMARKS.md, "Mirror, third pass"): starts one bridge per
# jar (default configuration: embedded Kafka and PostgreSQL, every message mirrored and written to the
# history) on free loopback ports, warms each up, then per round drives fan-in 50 -> 1 and then 50 pairs
# (MQTT 3.1.1 QoS 1, 100-byte payloads, --rate msg/s in all, 20 s) against EVERY bridge at the same time.
# At a fixed rate both bridges do the same work in the same window, so the bridge's CPU per mirrored
# message (whole process: broker, embedded Kafka, history writer; over the burst and the 10 s after it,
# in which the history catches up) compares jars even on a busy machine, where max-rate runs collapse.
# Needs the jars built (mvn -B -q -pl analytics-api,load-tool -am package -DskipTests), curl, python3.
#
# usage: load-tool/bench-mirror-fixed-rate.sh [--rate 10000] [--rounds 3] [--out DIR] LABEL=JAR LABEL=JAR ...
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=10000; ROUNDS=3; OUT=$(mktemp -d /tmp/bench-mirror-fixed.XXXXXX)
while [ $# -gt 0 ]; do
  case $1 in
    --rate) RATE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--rate R] [--rounds N] [--out DIR] LABEL=JAR ..." >&2; exit 2; }
LT="java -jar $ROOT/load-tool/target/load-tool.jar"
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
declare -A PIDS MQTT ADMIN
DATA_DIRS=()
LABELS=()
for spec in "$@"; do
  label=${spec%%=*}; jar=${spec#*=}; LABELS+=("$label")
  M=$(free_port); W=$(free_port); A=$(free_port); D=$(free_port); K=$(free_port); P=$(free_port)
  MQTT_PORT=$M MQTT_WSS_PORT=$W API_PORT=$A ADMIN_PORT=$D EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P \
    BRIDGE_DATA_DIR=$OUT/$label/data java -Xmx1g -jar "$jar" server "$ROOT/config.yml" > "$OUT/$label.log" 2>&1 &
  PIDS[$label]=$!; MQTT[$label]=$M; ADMIN[$label]=$D; DATA_DIRS+=("$OUT/$label/data")
done
# Each bridge's data (gigabytes per run) goes once it has stopped; KEEP_DATA=1 keeps it.
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait "${PIDS[@]}" 2>/dev/null; [ "${KEEP_DATA:-}" = 1 ] || rm -rf "${DATA_DIRS[@]}"' EXIT
for label in "${LABELS[@]}"; do
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:${ADMIN[$label]}/healthcheck" > /dev/null 2>&1 && break
    sleep 1
  done
done
acked() {
  curl -s "http://127.0.0.1:${ADMIN[$1]}/metrics" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["meters"]["kafka.mirror.records.acked"]["count"])'
}
cpu_ticks() { awk '{print $14+$15}' "/proc/${PIDS[$1]}/stat"; }
for label in "${LABELS[@]}"; do
  $LT --port "${MQTT[$label]}" --scenario fan-in --qos 1 --publishers 50 --duration 10s > /dev/null 2>&1
  $LT --port "${MQTT[$label]}" --scenario one-to-one --qos 1 --publishers 50 --duration 10s > /dev/null 2>&1
done
sleep 10
declare -A A0 C0
for r in $(seq 1 "$ROUNDS"); do
  for scenario in fan-in one-to-one; do
    for label in "${LABELS[@]}"; do A0[$label]=$(acked "$label"); C0[$label]=$(cpu_ticks "$label"); done
    load=$(cut -d' ' -f1 /proc/loadavg); runs=()
    for label in "${LABELS[@]}"; do
      $LT --port "${MQTT[$label]}" --scenario "$scenario" --qos 1 --publishers 50 --rate "$RATE" --duration 20s \
          --drain-timeout 60s > "$OUT/$label-$scenario-$r.json" 2> /dev/null &
      runs+=($!)
    done
    wait "${runs[@]}"
    sleep 10
    for label in "${LABELS[@]}"; do
      python3 - "$OUT/$label-$scenario-$r.json" "$label" "$scenario" "$r" "$load" \
          "$(( $(acked "$label") - A0[$label] ))" "$(( $(cpu_ticks "$label") - C0[$label] ))" <<'PY'
import json, os, sys
path, label, scenario, r, load, mirrored, ticks = sys.argv[1:]
j = json.load(open(path)); n = int(mirrored)
print(f"round {r} {scenario:10s} {label:10s} load {load:>5s}: {j['publishRate']:7.0f} msg/s, lost {j['lost']}, "
      f"p99 {j['latencyMicros']['p99'] / 1000:.1f} ms, mirrored {n}, "
      f"{1e6 * int(ticks) / os.sysconf('SC_CLK_TCK') / n:.2f} us bridge CPU per mirrored message", flush=True)
PY
    done
  done
done | tee "$OUT/summary.txt"
echo "load: $(cat /proc/loadavg); results in $OUT" | tee -a "$OUT/summary.txt"
