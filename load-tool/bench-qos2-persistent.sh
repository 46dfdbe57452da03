#!/bin/bash
# QoS 2 between persistent sessions, bridge jars side by side (docs/BENCHMARKS.md, "QoS 2 to persistent
# subscribers only once durable"): starts one bridge per jar (default configuration: embedded Kafka
# and PostgreSQL, mirrored and written to the history) on free loopback ports, warms each up, then per
# round runs one after the other on each bridge (the order alternates by round): one-to-one, 10 pairs,
# persistent publishers and subscribers (clean session 0, MQTT 3.1.1), QoS 2 at max rate, QoS 2 at
# 1,000 msg/s, QoS 1 at max rate (the control), 15 s measured after 3 s. Before each run it waits until
# the bridge is idle (the history caught up with the run before). Prints one line per run: published
# msg/s, lost, duplicates, latency p50 / p99 / p99.9, the bridge's CPU. Needs the jars built (mvn -B -q
# -pl analytics-api,load-tool -am package -DskipTests), curl, python3. Stops the bridges at the end.
#
# usage: load-tool/bench-qos2-persistent.sh [--rounds N] [--out DIR] LABEL=JAR LABEL=JAR ...
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=2; OUT=$(mktemp -d /tmp/bench-qos2.XXXXXX)
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--rounds N] [--out DIR] LABEL=JAR ..." >&2; exit 2; }
LT="java -jar $ROOT/load-tool/target/load-tool.jar"
SESSIONS="--scenario one-to-one --publishers 10 --persistent-publishers --persistent-subscribers"
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14+$15}' /proc/"$1"/stat; }
# Until the bridge used under 10 % of a core over 2 s, at most 60 s.
await_idle() { for _ in $(seq 1 30); do a=$(cpu_ticks "$1"); sleep 2; [ $(( $(cpu_ticks "$1") - a )) -lt 20 ] && return; done; }
declare -A PIDS MQTT ADMIN
DATA_DIRS=()
LABELS=()
for spec in "$@"; do
  label=${spec%%=*}; jar=${spec#*=}; LABELS+=("$label")
  M=$(free_port); W=$(free_port); A=$(free_port); D=$(free_port); K=$(free_port); P=$(free_port)
  mkdir -p "$OUT/$label"
  MQTT_PORT=$M MQTT_WSS_PORT=$W API_PORT=$A ADMIN_PORT=$D EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P \
    BRIDGE_DATA_DIR=$OUT/$label/data java -Xmx1g -jar "$jar" server "$ROOT/config.yml" > "$OUT/$label/bridge.log" 2>&1 &
  PIDS[$label]=$!; MQTT[$label]=$M; ADMIN[$label]=$D; DATA_DIRS+=("$OUT/$label/data")
done
# Each bridge's data (gigabytes per run) goes once it has stopped; KEEP_DATA=1 keeps it.
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait "${PIDS[@]}" 2>/dev/null; [ "${KEEP_DATA:-}" = 1 ] || rm -rf "${DATA_DIRS[@]}"' EXIT
for label in "${LABELS[@]}"; do
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:${ADMIN[$label]}/healthcheck" > /dev/null 2>&1 && break; sleep 1; done
  # shellcheck disable=SC2086
  $LT --port "${MQTT[$label]}" $SESSIONS --qos 2 --duration 20s > /dev/null 2>&1
done
for r in $(seq 1 "$ROUNDS"); do
  order=("${LABELS[@]}")
  [ $(( r % 2 )) = 0 ] && order=($(printf '%s\n' "${LABELS[@]}" | tac))
  for c in "2 max" "2 1000" "1 max"; do
    read -r qos rate <<< "$c"
    for label in "${order[@]}"; do
      await_idle "${PIDS[$label]}"
      limit=""; [ "$rate" != max ] && limit="--rate $rate"
      base=$OUT/$label-qos$qos-$rate-$r
      # shellcheck disable=SC2086
      $LT --port "${MQTT[$label]}" $SESSIONS --qos "$qos" $limit --duration 15s --warmup 3s --drain-timeout 60s \
          --broker-pid "${PIDS[$label]}" > "$base.json" 2> "$base.err"
      python3 - "$base.json" "$label" "$qos" "$rate" "$r" <<'PY'
import json, sys
f, label, qos, rate, r = sys.argv[1:]
j = json.load(open(f))
l = j['latencyMicros']
print(f"round {r} QoS {qos} rate {rate:4s} {label:10s}: {j['publishRate']:7.0f} msg/s published, lost {j['lost']}, "
      f"duplicates {j['duplicates']}, p50 / p99 / p99.9 {l['p50']/1000:.1f} / {l['p99']/1000:.1f} / {l['p999']/1000:.1f} ms, "
      f"bridge CPU {j['brokerCpuPercent']:.0f} %", flush=True)
PY
    done
  done
done
echo "results and logs: $OUT"
