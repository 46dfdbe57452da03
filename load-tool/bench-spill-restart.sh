#!/bin/bash
# Offline persistent sessions holding more messages than the heap, across a restart (docs/RELIABILITY.md,
# "Past the bound: in the session store alone"): starts the whole bridge through the launcher with a
# small heap (default -Xmx256m: a heap bound of about 100 MB) on free loopback ports, then
#   1. one offline persistent session per topic (mosquitto_sub -c -q 1 -t '<topic>/#' -E);
#   2. MESSAGES QoS 1 messages of PAYLOAD bytes to each topic (mosquitto_pub -q 1 -f), each payload
#      starting with its number; prints the queue metrics (spilled, dropped, queued, heap held);
#   3. SIGTERM (or --signal KILL: no snapshot saved at the stop), a new start on the same data with the
#      same heap; prints the metrics again;
#   4. each session reads its messages (mosquitto_sub -c -q 1 -C MESSAGES) and the script checks that
#      it got every number once, in order; one session after the other, or with --together all at once
#      (a fleet back after the restart), printing the largest mqtt.messages.queued.bytes seen while they
#      read (sampled every 0.2 s) and how long they took.
# Needs: the jar built (mvn -B -q -pl analytics-api -am package -DskipTests), mosquitto clients, curl,
# python3, xxd. Nothing but loopback; stops the bridge it started at the end.
#
# usage: load-tool/bench-spill-restart.sh [--jar BRIDGE_JAR] [--heap 256m] [--topics "a b c d e f"]
#                                         [--messages 240] [--payload 250000] [--wait 240] [--out DIR]
#                                         [--signal TERM|KILL] [--together]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/analytics-api/target/mqtt-kafka-bridge.jar; HEAP=256m; TOPICS="a b c d e f"; MESSAGES=240
PAYLOAD=250000; WAIT=240; OUT=$(mktemp -d /tmp/bench-spill.XXXXXX); SIGNAL=TERM; TOGETHER=
while [ $# -gt 0 ]; do
  case $1 in
    --jar) JAR=$2; shift 2 ;;
    --heap) HEAP=$2; shift 2 ;;
    --topics) TOPICS=$2; shift 2 ;;
    --messages) MESSAGES=$2; shift 2 ;;
    --payload) PAYLOAD=$2; shift 2 ;;
    --wait) WAIT=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --signal) SIGNAL=$2; shift 2 ;;
    --together) TOGETHER=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
MQTT=$(free_port); ADMIN=$(free_port); API=$(free_port); WSS=$(free_port); KAFKA=$(free_port); PG=$(free_port)
PID=
stop_bridge() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "-${1:-TERM}" "$PID"; wait "$PID" || true; fi
  PID=
}
trap stop_bridge EXIT
start_bridge() {
  BRIDGE_JAR=$JAR BRIDGE_DATA_DIR=$OUT/data MQTT_PORT=$MQTT MQTT_WSS_PORT=$WSS API_PORT=$API ADMIN_PORT=$ADMIN \
    EMBEDDED_KAFKA_PORT=$KAFKA EMBEDDED_POSTGRES_PORT=$PG JAVA_OPTS="-Xmx$HEAP" BRIDGE_CDS=off \
    "$ROOT/bin/mqtt-kafka-bridge" server "$ROOT/config.yml" >> "$OUT/bridge.log" 2>&1 &
  PID=$!
  for i in $(seq 1 240); do
    curl -sf "localhost:$ADMIN/healthcheck" > /dev/null 2>&1 && { echo "$(date +%T) up after $i s"; return; }
    kill -0 "$PID" 2>/dev/null || { echo "$(date +%T) the bridge exited (see $OUT/bridge.log)"; exit 1; }
    sleep 1
  done
  echo "$(date +%T) not healthy after 240 s"; exit 1
}
metrics() {
  curl -s "localhost:$ADMIN/metrics" | python3 -c '
import json, sys
m = json.load(sys.stdin)
names = ("mqtt.messages.spilled", "mqtt.messages.dropped.queue-full", "mqtt.limits.queued-heap.exceeded",
         "mqtt.messages.queued", "mqtt.messages.queued.bytes")
found = {k: v.get("count", v.get("value")) for s in ("meters", "gauges", "counters") for k, v in m.get(s, {}).items()}
print("  " + ", ".join(n[len("mqtt."):] + "=" + str(found.get(n)) for n in names))'
}

start_bridge
for t in $TOPICS; do mosquitto_sub -p "$MQTT" -c -q 1 -i "spill-$t" -t "$t/#" -E; done
head -c "$((PAYLOAD - 8))" /dev/urandom > "$OUT/payload"
for i in $(seq 1 "$MESSAGES"); do
  for t in $TOPICS; do
    { printf '%08d' "$i"; cat "$OUT/payload"; } > "$OUT/message"
    mosquitto_pub -p "$MQTT" -q 1 -t "$t/data" -f "$OUT/message" || echo "publish $i to $t failed"
  done
done
echo "$(date +%T) published $MESSAGES messages of $PAYLOAD bytes to each of: $TOPICS"; metrics
stop_bridge "$SIGNAL"; echo "$(date +%T) stopped (SIG$SIGNAL)"
start_bridge; metrics
# read T: session spill-T reads its messages and the verdict is printed
read_session() {
  local t=$1
  timeout $((WAIT + 60)) mosquitto_sub -p "$MQTT" -c -q 1 -i "spill-$t" -t "$t/#" -C "$MESSAGES" -W "$WAIT" -F '%x' \
      2> /dev/null | cut -c1-16 | while read -r hex; do echo "$hex" | xxd -r -p; echo; done > "$OUT/got-$t" || true
  if seq -f '%08g' 1 "$MESSAGES" | diff -q - "$OUT/got-$t" > /dev/null; then verdict="every one, in order, once"
  else verdict="NOT every one in order once"; fi
  echo "$(date +%T) spill-$t received $(wc -l < "$OUT/got-$t") of $MESSAGES: $verdict"
}
if [ -n "$TOGETHER" ]; then
  started=$(date +%s.%N); readers=()
  for t in $TOPICS; do read_session "$t" & readers+=($!); done
  peak=0
  any_reading() { for r in "${readers[@]}"; do kill -0 "$r" 2>/dev/null && return 0; done; return 1; }
  while any_reading; do
    q=$(curl -s "localhost:$ADMIN/metrics" | python3 -c 'import json,sys; print(json.load(sys.stdin)["gauges"]["mqtt.messages.queued.bytes"]["value"])' 2>/dev/null || echo 0)
    [ "$q" -gt "$peak" ] 2>/dev/null && peak=$q
    sleep 0.2
  done
  wait "${readers[@]}"
  echo "$(date +%T) all read in $(python3 -c "import time; print(round(time.time() - $started, 1))") s; largest queued.bytes seen meanwhile: $peak"
else
  for t in $TOPICS; do read_session "$t"; done
fi
metrics
echo "out of memory errors in the log: $(grep -c OutOfMemoryError "$OUT/bridge.log" || true)"
