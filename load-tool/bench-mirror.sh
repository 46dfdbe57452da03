#!/bin/bash
# The durable path side by side with its raw baselines, in one run (issue 15; docs/BENCHMARKS.md):
# starts the whole bridge (default configuration: embedded Kafka and PostgreSQL, every message mirrored
# to mqtt.messages and written to the history) on free loopback ports, then per round
#   1. the raw Kafka producer (load-tool --scenario kafka-producer) against the bridge's own Kafka:
#      records of the mirror's shape, the mirror's producer settings, a topic with as many partitions
#      as the mirror topic, 15 s;
#   2. fan-in 50 -> 1 and 3. 50 pairs, MQTT 3.1.1 QoS 1, 100-byte payloads, max rate, 15 s each; after
#      each, the time from the end of the burst until PostgreSQL holds every mirrored record (the
#      highest stored Kafka offset per partition against the mirror's acknowledged count), and the
#      writer's rate over that catch-up;
#   4. the raw COPY baseline: COPY_ROWS (default 300,000) rows of the same shape into the same
#      messages table with psql's \copy, timed, then deleted.
# Prints one summary line per case and round. Needs: the jars built (mvn -B -q -pl analytics-api,load-tool
# -am package -DskipTests), psql, curl, python3. Nothing but loopback; stops the bridge at the end.
#
# usage: load-tool/bench-mirror.sh [--rounds N] [--out DIR] [--jar BRIDGE_JAR] [--config FILE]
#                                  [--partitions N] [--duration 15s] [-- extra JVM options for the bridge]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=2; OUT=$(mktemp -d /tmp/bench-mirror.XXXXXX); JAR=$ROOT/analytics-api/target/mqtt-kafka-bridge.jar
CONFIG=$ROOT/config.yml; PARTITIONS=1; DURATION=15s
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --jar) JAR=$2; shift 2 ;;
    --config) CONFIG=$2; shift 2 ;;
    --partitions) PARTITIONS=$2; shift 2 ;;
    --duration) DURATION=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
LT="java -jar $ROOT/load-tool/target/load-tool.jar"
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
M=$(free_port); W=$(free_port); A=$(free_port); D=$(free_port); K=$(free_port); P=$(free_port)
MQTT_PORT=$M MQTT_WSS_PORT=$W API_PORT=$A ADMIN_PORT=$D EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P \
  BRIDGE_DATA_DIR=$OUT/data java -Xmx1g "$@" -jar "$JAR" server "$CONFIG" > "$OUT/bridge.log" 2>&1 &
PID=$!
DATA_DIRS=("$OUT/data")
# The bridge's data (gigabytes of Kafka log and PostgreSQL tables per run) goes once it has stopped;
# KEEP_DATA=1 keeps it.
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; [ "${KEEP_DATA:-}" = 1 ] || rm -rf "${DATA_DIRS[@]}"' EXIT
for _ in $(seq 1 180); do
  curl -sf "http://127.0.0.1:$D/healthcheck" > /dev/null 2>&1 && break
  sleep 1
done
mirrored() {
  curl -s "http://127.0.0.1:$D/metrics" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["meters"]["kafka.mirror.records.acked"]["count"])'
}
# The rows stored per partition: the highest stored offset, less the offsets missing below it among the
# last 20,000 (a batch's slices commit one by one, so the highest offset may be stored before the rest
# of its batch: batches are at most 10,000 records). Read backwards from the Kafka-position index of
# each table partition: a few milliseconds at any table size. (A GROUP BY over the topic's rows, as
# before, is a parallel scan of the whole table, seconds at millions of rows, run every 0.25 s on the
# same 2 cores as the writer: it slowed the catch-up it measured, more the bigger the table.)
stored() {
  PGPASSWORD=$(cat "$OUT/data/postgres/bridge-password") psql -qtA -h 127.0.0.1 -p "$P" -U postgres -d postgres -c \
    "select coalesce(sum(m - (least(m, 20000) - (select count(*) from messages where kafka_topic='mqtt.messages'
       and kafka_partition=p and kafka_offset >= m - 20000))), 0)
       from (select p, (select kafka_offset+1 from messages where kafka_topic='mqtt.messages'
       and kafka_partition=p order by kafka_offset desc limit 1) m from generate_series(0,63) p) t where m is not null"
}
# CPU seconds (in ticks) of the embedded PostgreSQL: the postmaster, its live processes and the exited
# ones it has reaped; divided by the rows stored meanwhile it gives PostgreSQL's CPU per row, a figure
# less sensitive to the machine's load than the rates.
pgcpu() {
  local pm
  pm=$(head -1 "$(find "$OUT/data/postgres" -name postmaster.pid | head -1)")
  { awk '{print $14+$15+$16+$17}' "/proc/$pm/stat"
    for c in $(ps -o pid= --ppid "$pm"); do awk '{print $14+$15}' "/proc/$c/stat" 2>/dev/null || true; done
  } | awk '{s+=$1} END {print s}'
}
catchup() {
  local t0 target s s_end
  t0=$(date +%s.%N); target=$(mirrored); s_end=$(stored || echo 0)
  while true; do
    s=$(stored || echo 0)
    if [ "${s:-0}" -ge "$target" ]; then break; fi
    if python3 -c "import sys;sys.exit(0 if $(date +%s.%N)-$t0>300 else 1)"; then
      echo "history NOT caught up after 300 s: $s of $target"; return
    fi
    sleep 0.25
  done
  python3 -c "t=$(date +%s.%N)-$t0;print('history caught up %.1f s after the burst (%s records; PostgreSQL CPU %.1f us per row;'
    ' writer %.0f rows/s after the burst)'%(t,$target,($(pgcpu)-$C0)*1e6/$(getconf CLK_TCK)/max(1,$target-$S0),
    ($target-$s_end)/max(t,0.001)))"
}
psql_bridge() {
  PGPASSWORD=$(cat "$OUT/data/postgres/bridge-password") psql -qtA -h 127.0.0.1 -p "$P" -U postgres -d postgres "$@"
}
# The raw COPY baseline: COPY_ROWS rows of the mirrored rows' shape (100-byte payloads, topic tokens
# supplied, as the writer supplies them) into the same messages table, timed, then deleted again.
COPY_ROWS=${COPY_ROWS:-300000}
python3 - "$OUT/copy.csv" "$COPY_ROWS" <<'PY'
import os, sys, datetime
path, rows = sys.argv[1], int(sys.argv[2])
now = datetime.datetime.now(datetime.timezone.utc).isoformat()
with open(path, "w") as f:
    for i in range(rows):
        f.write(f"{now},load/{i % 50},load-pub-{i % 50},1,f,\\x{os.urandom(100).hex()},raw-copy-baseline,0,{i},"
                f"\"{{0:load,1:{i % 50}}}\"\n")
PY
rawcopy() {
  local t0 t
  t0=$(date +%s.%N)
  # One line: psql ends a meta-command at the line's end.
  psql_bridge -c "\\copy messages (received_at, mqtt_topic, client_id, qos, retain, payload, kafka_topic, kafka_partition, kafka_offset, topic_tokens) FROM '$OUT/copy.csv' (FORMAT csv)"
  t=$(python3 -c "print($(date +%s.%N)-$t0)")
  psql_bridge -c "DELETE FROM messages WHERE kafka_topic = 'raw-copy-baseline'" -c "VACUUM messages"
  python3 -c "print('raw COPY %.0f rows/s (%d rows in %.1f s)'%($COPY_ROWS/$t,$COPY_ROWS,$t))"
}
$LT --port "$M" --scenario fan-in --qos 1 --publishers 50 --duration 5s > "$OUT/warm.json" 2> /dev/null || true
C0=$(pgcpu); S0=$(stored)
catchup > /dev/null
for r in $(seq 1 "$ROUNDS"); do
  $LT --port "$K" --scenario kafka-producer --kafka-partitions "$PARTITIONS" --kafka-topic "raw-${PARTITIONS}p" \
      --publishers 50 --duration "$DURATION" --broker-pid $PID > "$OUT/raw-$r.json" 2> "$OUT/raw-$r.err" || true
  rawcopy > "$OUT/copy-$r.txt"
  C0=$(pgcpu); S0=$(stored)
  $LT --port "$M" --scenario fan-in --qos 1 --publishers 50 --duration "$DURATION" --broker-pid $PID \
      > "$OUT/fanin-$r.json" 2> "$OUT/fanin-$r.err" || true
  catchup > "$OUT/fanin-$r.catchup"
  C0=$(pgcpu); S0=$(stored)
  $LT --port "$M" --scenario one-to-one --qos 1 --publishers 50 --duration "$DURATION" --broker-pid $PID \
      > "$OUT/pairs-$r.json" 2> "$OUT/pairs-$r.err" || true
  catchup > "$OUT/pairs-$r.catchup"
  python3 - "$OUT" "$r" <<'PY'
import json, sys
out, r = sys.argv[1], sys.argv[2]
raw = json.load(open(f"{out}/raw-{r}.json"))
import re
copy = open(f"{out}/copy-{r}.txt").read().strip()
print(f"round {r} {copy}")
copy_rate = float(re.search(r"raw COPY (\d+) rows/s", copy).group(1))
for case in ("fanin", "pairs"):
    j = json.load(open(f"{out}/{case}-{r}.json"))
    caught = open(f"{out}/{case}-{r}.catchup").read().strip()
    writer = re.search(r"writer (\d+) rows/s", caught)
    if writer:
        caught += f" = {100 * float(writer.group(1)) / copy_rate:.0f} % of raw COPY"
    print(f"round {r} {case}: raw producer {raw['publishRate']:.0f}/s, mirrored QoS 1 {j['publishRate']:.0f}/s "
          f"({100 * j['publishRate'] / raw['publishRate']:.0f} % of raw), delivered {j['throughput']:.0f}/s, "
          f"lost {j['lost']}, duplicates {j['duplicates']}, p99 {j['latencyMicros']['p99']} us, "
          f"bridge CPU {j.get('brokerCpuPercent', 0):.0f} %; {caught}")
PY
  echo "  load after round $r: $(cat /proc/loadavg)"
done | tee "$OUT/summary.txt"
echo "load: $(cat /proc/loadavg); results in $OUT" | tee -a "$OUT/summary.txt"
