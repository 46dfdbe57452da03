#!/bin/bash
# Two (or more) bridge jars side by side under the same contention (issue 15; docs/BENCHMARKS.md): starts
# one bridge per jar (default configuration: embedded Kafka and PostgreSQL, every message mirrored and
# written to the history) on free loopback ports, warms each up, then per round drives fan-in 50 -> 1
# and then 50 pairs (MQTT 3.1.1 QoS 1, 100-byte payloads, max rate, --duration) against EVERY bridge AT
# THE SAME TIME, so that a busy machine slows them alike. Prints per bridge and case: published msg/s,
# lost, p99, the bridge's CPU and its CPU microseconds and context switches per published message
# (figures far less sensitive to a shared machine than msg/s). Needs the jars built (mvn -B -q -pl
# analytics-api,load-tool -am package -DskipTests), curl, python3. Stops the bridges at the end.
#
# usage: load-tool/bench-mirror-ab.sh [--rounds N] [--duration 15s] [--out DIR] [--config FILE]
#                                     LABEL=JAR[@JVM_OPTIONS] LABEL=JAR[@JVM_OPTIONS] ...
#   e.g. before=/tmp/before.jar after=analytics-api/target/mqtt-kafka-bridge.jar \
#        linger20=analytics-api/target/mqtt-kafka-bridge.jar@-Ddw.kafka.producer.lingerMs=20
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=2; DURATION=15s; OUT=$(mktemp -d /tmp/bench-mirror-ab.XXXXXX); CONFIG=$ROOT/config.yml
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--rounds N] [--duration D] LABEL=JAR[@JVM_OPTIONS] ..." >&2; exit 2; }
LT="java -jar $ROOT/load-tool/target/load-tool.jar"
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
# Context switches (voluntary + involuntary) of all threads of a process so far.
switches() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/{n+=$2} END{print n+0}' /proc/"$1"/task/*/status 2>/dev/null; }
declare -A PIDS MQTT ADMIN
DATA_DIRS=()
LABELS=()
for spec in "$@"; do
  label=${spec%%=*}; rest=${spec#*=}; jar=${rest%%@*}; opts=""
  [ "$rest" != "$jar" ] && opts=${rest#*@}
  LABELS+=("$label")
  M=$(free_port); W=$(free_port); A=$(free_port); D=$(free_port); K=$(free_port); P=$(free_port)
  mkdir -p "$OUT/$label"
  # shellcheck disable=SC2086
  MQTT_PORT=$M MQTT_WSS_PORT=$W API_PORT=$A ADMIN_PORT=$D EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P \
    BRIDGE_DATA_DIR=$OUT/$label/data java -Xmx1g $opts -jar "$jar" server "$CONFIG" > "$OUT/$label/bridge.log" 2>&1 &
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
# Warm-up, one bridge after the other (JIT), then every case on all bridges at once.
for label in "${LABELS[@]}"; do
  $LT --port "${MQTT[$label]}" --scenario fan-in --qos 1 --publishers 50 --duration 10s > /dev/null 2>&1
  $LT --port "${MQTT[$label]}" --scenario one-to-one --qos 1 --publishers 50 --duration 5s > /dev/null 2>&1
done
for r in $(seq 1 "$ROUNDS"); do
  for scenario in fan-in one-to-one; do
    load=$(cut -d' ' -f1 /proc/loadavg); runs=()
    for label in "${LABELS[@]}"; do
      ( before=$(switches "${PIDS[$label]}")
        $LT --port "${MQTT[$label]}" --scenario "$scenario" --qos 1 --publishers 50 --duration "$DURATION" \
            --drain-timeout 60s --broker-pid "${PIDS[$label]}" > "$OUT/$label-$scenario-$r.json" 2> "$OUT/$label-$scenario-$r.err"
        echo $(( $(switches "${PIDS[$label]}") - before )) > "$OUT/$label-$scenario-$r.switches" ) &
      runs+=($!)
    done
    wait "${runs[@]}"
    for label in "${LABELS[@]}"; do
      python3 - "$OUT/$label-$scenario-$r" "$label" "$scenario" "$r" "$load" <<'PY'
import json, sys
base, label, scenario, r, load = sys.argv[1:]
j = json.load(open(base + ".json"))
sw = int(open(base + ".switches").read())
print(f"round {r} {scenario:10s} {label:10s} load {load:>5s}: {j['publishRate']:8.0f} msg/s published, lost {j['lost']}, "
      f"duplicates {j['duplicates']}, p99 {j['latencyMicros']['p99'] / 1000:.1f} ms, bridge CPU {j['brokerCpuPercent']:.0f} %, "
      f"{1e6 * j['brokerCpuSeconds'] / j['sent']:.2f} us CPU and {sw / j['sent']:.3f} context switches per message", flush=True)
PY
    done
    sleep 5
  done
done | tee "$OUT/summary.txt"
echo "load: $(cat /proc/loadavg); results in $OUT" | tee -a "$OUT/summary.txt"
