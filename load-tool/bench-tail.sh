#!/bin/bash
# Tail latency at a steady rate beside Mosquitto, with the garbage collector's pauses (issue 16, item 3;
# docs/BENCHMARKS.md, "Tail latency at 20k msg/s: the collector's pauses"). For each variant, one at a
# time: a fresh bridge through the launcher (default configuration: mirroring into the embedded Kafka,
# history into the embedded PostgreSQL) with a GC log, a warm-up run, then --runs times (Mosquitto,
# the bridge, a pause in which the history catches up). Each run: fan-in 50 -> 1, MQTT 3.1.1 QoS 1,
# 100-byte payloads, --rate msg/s for 14 s measured after --warmup seconds (default 1). Prints p50 /
# p99 / p99.9 / max per run and the bridge's GC pauses that fell inside its measured part, by kind. --warmup is the load tool's own
# first part left out of the figures (each run is a fresh load-tool JVM, whose JIT compiles on the same
# cores while it warms up); the measured part stays 14 s. Needs the jars built (mvn -B -q -pl
# analytics-api,load-tool -am package -DskipTests), mosquitto, curl and python3. Stops what it started.
#
# usage: load-tool/bench-tail.sh [--rate 20000] [--runs 3] [--warmup 1] [--out DIR] [--config FILE]
#                                LABEL[=JAR][@JVM_OPTIONS] ...
#   JVM_OPTIONS are added after the launcher's profile (JAVA_OPTS); a variant whose options start with
#   "profile:" replaces the profile instead (BRIDGE_JVM_OPTS), e.g.
#   load-tool/bench-tail.sh default "shenandoah@profile:-XX:+UseShenandoahGC -XX:MaxDirectMemorySize=512m" \
#                           "xms1g@-Xms1g -XX:G1HeapRegionSize=4m"
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RATE=20000; RUNS=3; WARMUP=1; OUT=$(mktemp -d /tmp/bench-tail.XXXXXX); CONFIG=$ROOT/config.yml
while [ $# -gt 0 ]; do
  case $1 in
    --rate) RATE=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--rate R] [--runs N] [--warmup S] [--out DIR] [--config FILE] LABEL[=JAR][@JVM_OPTIONS] ..." >&2; exit 2; }
command -v mosquitto >/dev/null || { echo "mosquitto not found" >&2; exit 2; }
LT="java -jar $ROOT/load-tool/target/load-tool.jar"
DEFAULT_JAR=$ROOT/analytics-api/target/mqtt-kafka-bridge.jar
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
MPID=""; BPID=""; DATA_DIRS=()
# Each bridge's data (gigabytes per run) goes once it has stopped; KEEP_DATA=1 keeps it.
trap '[ -n "$BPID" ] && kill "$BPID" 2>/dev/null; [ -n "$MPID" ] && kill "$MPID" 2>/dev/null; wait 2>/dev/null; [ "${KEEP_DATA:-}" = 1 ] || rm -rf "${DATA_DIRS[@]}"' EXIT

MQ=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_inflight_messages 1000\nset_tcp_nodelay true\n' \
  "$MQ" > "$OUT/mosquitto.conf"
mosquitto -c "$OUT/mosquitto.conf" > "$OUT/mosquitto.log" 2>&1 & MPID=$!

# run NAME PORT PID: one measured run; prints its line, appends "NAME START_UPTIME" to the bridge's run list
run() {
  local name=$1 port=$2 pid=$3
  $LT --port "$port" --broker-pid "$pid" --scenario fan-in --qos 1 --publishers 50 --rate "$RATE" \
    --duration "$((14 + WARMUP))s" --warmup "${WARMUP}s" > "$OUT/$name.json" 2> "$OUT/$name.err"
  python3 - "$OUT/$name.json" "$name" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); l = r['latencyMicros']
print(f"  {sys.argv[2]:<22} {r['throughput']:>8.0f} msg/s  lost {r['lost']}  p50 {l['p50']/1000:.1f}  p99 {l['p99']/1000:.1f}"
      f"  p99.9 {l['p999']/1000:.1f}  max {l['max']/1000:.1f} ms  broker CPU {r.get('brokerCpuPercent', 0):.0f} %")
PY
}

# pauses LOG RUNS_FILE: the GC pauses inside the bridge's measured runs (GC log uptimes), by kind
pauses() {
  python3 - "$1" "$2" "$WARMUP" <<'PY'
import collections, re, sys
# the measured part of each run: from the end of the tool's warm-up (its JVM start included) for 14 s
starts = [float(line.split()[1]) + float(sys.argv[3]) for line in open(sys.argv[2])]
kinds = collections.defaultdict(list)
pattern = re.compile(r'^\[([0-9.]+)s\] GC\(\d+\) (Pause .*?) ([0-9.]+)ms$')
for line in open(sys.argv[1]):
    m = pattern.match(line.strip())
    if m and any(s <= float(m.group(1)) <= s + 16 for s in starts):
        # "Pause Young (Normal) (G1 Evacuation Pause) 356M->104M(428M)" -> "Pause Young (Normal)"
        kind = re.sub(r' \d+M->\d+M\(\d+M\)', '', m.group(2))
        kind = re.sub(r' \((?:G1|Metadata|System|GCLocker|Allocation)[^)]*\)', '', kind)
        kinds[kind].append(float(m.group(3)))
total = sum(sum(v) for v in kinds.values())
for kind, v in sorted(kinds.items()):
    print(f"  GC {kind}: {len(v)}, mean {sum(v)/len(v):.1f} ms, max {max(v):.1f} ms")
print(f"  GC pauses inside the bridge's {len(starts)} runs: {total:.0f} ms in all")
PY
}

for spec in "$@"; do
  label=${spec%%[=@]*}; rest=${spec#"$label"}; jar=$DEFAULT_JAR; opts=""
  case $rest in =*) jar=${rest#=}; jar=${jar%%@*} ;; esac
  case $rest in *@*) opts=${rest#*@} ;; esac
  profile_opts=""; java_opts=""
  case $opts in profile:*) profile_opts=${opts#profile:} ;; *) java_opts=$opts ;; esac
  dir=$OUT/$label; mkdir -p "$dir"; : > "$dir/runs"
  M=$(free_port); W=$(free_port); A=$(free_port); D=$(free_port); K=$(free_port); P=$(free_port)
  (cd "$dir" && exec env ${profile_opts:+"BRIDGE_JVM_OPTS=$profile_opts"} BRIDGE_JAR="$jar" BRIDGE_CDS=off \
     JAVA_OPTS="-Xlog:gc*:file=$dir/gc.log:uptime $java_opts" MQTT_PORT=$M MQTT_WSS_PORT=$W API_PORT=$A ADMIN_PORT=$D \
     EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P BRIDGE_DATA_DIR="$dir/data" \
     "$ROOT/bin/mqtt-kafka-bridge" server "$CONFIG" > "$dir/bridge.log" 2>&1) &
  BPID=$!; DATA_DIRS+=("$dir/data")
  for _ in $(seq 1 180); do
    curl -sf "http://127.0.0.1:$D/healthcheck" >/dev/null && break
    kill -0 "$BPID" 2>/dev/null || break
    sleep 1
  done
  if ! curl -sf "http://127.0.0.1:$D/healthcheck" >/dev/null; then
    echo "== $label: the bridge did not start; skipped (last lines of $dir/bridge.log:)"
    tail -5 "$dir/bridge.log" | sed 's/^/   /'
    kill -TERM "$BPID" 2>/dev/null; wait "$BPID" 2>/dev/null; BPID=""
    continue
  fi
  echo "== $label: $jar ${opts:+($opts)}, pid $BPID, load $(cut -d' ' -f1-3 /proc/loadavg)"
  run "$label-warmup" "$M" "$BPID"; sleep 20
  for r in $(seq 1 "$RUNS"); do
    run "mosquitto-$label-$r" "$MQ" "$MPID"
    echo "$label-$r $(ps -o etimes= -p "$BPID")" >> "$dir/runs"
    run "$label-$r" "$M" "$BPID"
    sleep 20   # the history writer catches up before the next run
  done
  kill -TERM "$BPID"; wait "$BPID" 2>/dev/null; BPID=""
  pauses "$dir/gc.log" "$dir/runs"
done
echo "results and logs in $OUT"
