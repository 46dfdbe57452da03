#!/bin/bash
# CPU per message, thread by thread, at a steady rate (issues 15 and 16; docs/BENCHMARKS.md, "CPU per
# message at a steady 20,000 msg/s"). Starts a fresh bridge through the launcher (default configuration:
# mirroring into the embedded Kafka, history into the embedded PostgreSQL) on free loopback ports, then
# --runs times: fan-in 50 -> 1, MQTT 3.1.1 QoS 1, 100-byte payloads, --rate msg/s for 15 s (+1 s warm-up),
# 20 s apart. For each run prints the latency and the CPU microseconds per message (the 16 s at --rate,
# warm-up included, as the /proc snapshots are) of the bridge's
# threads grouped by name (digits dropped) and of the PostgreSQL processes, from /proc before and after
# the run. Run 1 carries the JIT's warm-up. Needs the jars built (mvn -B -q -pl analytics-api,load-tool
# -am package -DskipTests), curl and python3. Stops the bridge at the end.
#
# usage: load-tool/bench-thread-cpu.sh [--rate 20000] [--runs 4] [--out DIR] [--config FILE] [--jar JAR]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=20000; RUNS=4; OUT=$(mktemp -d /tmp/bench-thread-cpu.XXXXXX); CONFIG=$ROOT/config.yml
JAR=$ROOT/analytics-api/target/mqtt-kafka-bridge.jar
while [ $# -gt 0 ]; do
  case $1 in
    --rate) RATE=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --jar) JAR=$2; shift 2 ;;
    *) echo "usage: $0 [--rate R] [--runs N] [--out DIR] [--config FILE] [--jar JAR]" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
BPID=""; DATA_DIRS=("$OUT/data")
# The bridge's data (gigabytes per run) goes once it has stopped; KEEP_DATA=1 keeps it.
trap '[ -n "$BPID" ] && kill "$BPID" 2>/dev/null; wait 2>/dev/null; [ "${KEEP_DATA:-}" = 1 ] || rm -rf "${DATA_DIRS[@]}"' EXIT
M=$(free_port); W=$(free_port); A=$(free_port); D=$(free_port); K=$(free_port); P=$(free_port)
(cd "$OUT" && exec env BRIDGE_JAR="$JAR" BRIDGE_CDS=off MQTT_PORT=$M MQTT_WSS_PORT=$W API_PORT=$A ADMIN_PORT=$D \
   EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P BRIDGE_DATA_DIR="$OUT/data" \
   "$ROOT/bin/mqtt-kafka-bridge" server "$CONFIG" > "$OUT/bridge.log" 2>&1) &
BPID=$!
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$D/healthcheck" >/dev/null && break
  kill -0 "$BPID" 2>/dev/null || break
  sleep 1
done
curl -sf "http://127.0.0.1:$D/healthcheck" >/dev/null || { echo "the bridge did not start; see $OUT/bridge.log" >&2; exit 1; }
echo "bridge $JAR, pid $BPID, load $(cut -d' ' -f1-3 /proc/loadavg)"

# snapshot FILE: CPU ticks of every thread of the bridge and of every process
snapshot() {
  python3 - "$BPID" "$1" <<'PY'
import json, os, sys
def ticks(stat):
    f = stat[stat.rindex(')') + 2:].split()
    return int(f[11]) + int(f[12])
pid = sys.argv[1]; out = {'threads': {}, 'procs': {}}
for tid in os.listdir(f'/proc/{pid}/task'):
    try:
        out['threads'][tid] = (open(f'/proc/{pid}/task/{tid}/comm').read().strip(), ticks(open(f'/proc/{pid}/task/{tid}/stat').read()))
    except OSError:
        pass
for p in os.listdir('/proc'):
    if p.isdigit():
        try:
            stat = open(f'/proc/{p}/stat').read()
            out['procs'][p] = (stat[stat.index('(') + 1:stat.rindex(')')], ticks(stat))
        except OSError:
            pass
json.dump(out, open(sys.argv[2], 'w'))
PY
}

for r in $(seq 1 "$RUNS"); do
  snapshot "$OUT/before-$r.json"
  java -jar "$ROOT/load-tool/target/load-tool.jar" --port "$M" --broker-pid "$BPID" --scenario fan-in --qos 1 \
    --publishers 50 --rate "$RATE" --duration 15s --warmup 1s > "$OUT/run-$r.json" 2> "$OUT/run-$r.err"
  snapshot "$OUT/after-$r.json"
  python3 - "$OUT/before-$r.json" "$OUT/after-$r.json" "$OUT/run-$r.json" "$r" "$RATE" <<'PY'
import json, re, sys
a, b, run = (json.load(open(f)) for f in sys.argv[1:4])
sent = float(sys.argv[5]) * 16   # the warm-up second's messages are in the snapshots too
tick_us = 1e6 / 100   # USER_HZ
lat = run['latencyMicros']
print(f"run {sys.argv[4]}: {run['throughput']:.0f} msg/s, lost {run['lost']}, p50 {lat['p50']/1000:.1f} p99 {lat['p99']/1000:.1f}"
      f" p99.9 {lat['p999']/1000:.1f} ms; CPU us per message:")
groups = {}
for tid, (name, t) in b['threads'].items():
    key = re.sub(r'[-#]?\d+', 'N', name)
    groups[key] = groups.get(key, 0) + t - a['threads'].get(tid, (name, 0))[1]
print(f"  bridge, all threads  {sum(groups.values()) * tick_us / sent:6.2f}")
for key, t in sorted(groups.items(), key=lambda kv: -kv[1])[:10]:
    if t > 0:
        print(f"    {key:<18} {t * tick_us / sent:6.2f}")
pg = sum(t - a['procs'].get(p, (name, 0))[1] for p, (name, t) in b['procs'].items() if name == 'postgres')
print(f"  postgres processes   {pg * tick_us / sent:6.2f}")
PY
  [ "$r" -lt "$RUNS" ] && sleep 20
done
echo "results and logs in $OUT"
