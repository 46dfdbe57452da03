#!/bin/bash
# A fleet failing over (docs/BENCHMARKS.md, "A dead node's clients resuming together"): three bridge
# nodes of one cluster on this machine, as in the README's "Run a cluster" (node 1 with the embedded
# Kafka and PostgreSQL, nodes 2 and 3 on them; default cluster settings), CLIENTS persistent MQTT 3.1.1
# QoS 1 clients on node 3, each subscribed to its own topic. Then node 3 gets kill -9, one message per
# client is published on node 2, and every client reconnects to node 2 at once (load-tool
# reconnect-storm --kill-pid --failover-port). Prints the load tool's summary: time until all are back
# with their sessions, CONNACK latency from the storm's start, failed reconnects, lost messages.
# Needs the jars built (mvn -B -q -pl analytics-api,load-tool -am package -DskipTests), curl, python3.
# Nothing but loopback; kills only the node it started, and stops the others at the end.
#
# MESSAGES_PER_CLIENT (default 1): messages published to each client while it is away.
# usage: load-tool/bench-cluster-failover.sh [--clients N] [--inflight N] [--jar BRIDGE_JAR] [--out DIR]
#                                            [-- extra JVM options for node 2, the survivor, e.g. a JFR recording]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CLIENTS=2000; INFLIGHT=1000; OUT=$(mktemp -d /tmp/bench-failover.XXXXXX); JAR=$ROOT/analytics-api/target/mqtt-kafka-bridge.jar
while [ $# -gt 0 ]; do
  case $1 in
    --clients) CLIENTS=$2; shift 2 ;;
    --inflight) INFLIGHT=$2; shift 2 ;;
    --jar) JAR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$OUT"
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
K=$(free_port); P=$(free_port)
SURVIVOR_JVM_OPTIONS=("$@")
declare -A MQTT ADMIN PID
start_node() {
  local n=$1; shift
  local jvm=()
  [ "$n" = 2 ] && jvm=("${SURVIVOR_JVM_OPTIONS[@]}")
  MQTT[$n]=$(free_port); ADMIN[$n]=$(free_port)
  env BRIDGE_CLUSTER_ENABLED=true BRIDGE_NODE_ID=node-$n BRIDGE_DATA_DIR="$OUT/data-$n" \
    EMBEDDED_KAFKA_PORT=$K EMBEDDED_POSTGRES_PORT=$P MQTT_PORT=${MQTT[$n]} MQTT_WSS_PORT=$(free_port) \
    API_PORT=$(free_port) ADMIN_PORT=${ADMIN[$n]} "$@" \
    java -Xmx1g "${jvm[@]}" -jar "$JAR" server "$ROOT/config.yml" > "$OUT/node-$n.log" 2>&1 &
  PID[$n]=$!
}
await_ready() {
  for _ in $(seq 1 240); do
    curl -sf "http://127.0.0.1:${ADMIN[$1]}/healthcheck" > /dev/null 2>&1 && return 0
    kill -0 "${PID[$1]}" 2>/dev/null || { echo "node $1 exited; see $OUT/node-$1.log" >&2; return 1; }
    sleep 1
  done
  echo "node $1 not ready; see $OUT/node-$1.log" >&2; return 1
}
stop_all() {
  for n in 3 2 1; do [ -n "${PID[$n]:-}" ] && kill "${PID[$n]}" 2>/dev/null || true; done
  for n in 3 2 1; do [ -n "${PID[$n]:-}" ] && wait "${PID[$n]}" 2>/dev/null || true; done
  # The nodes' data goes once they have stopped (gigabytes per run); KEEP_DATA=1 keeps it.
  [ "${KEEP_DATA:-}" = 1 ] || rm -rf "$OUT"/data-1 "$OUT"/data-2 "$OUT"/data-3
}
trap stop_all EXIT
start_node 1
await_ready 1
for n in 2 3; do
  start_node $n KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$K JDBC_URL=jdbc:postgresql://127.0.0.1:$P/postgres JDBC_USER=postgres \
    JDBC_PASSWORD="$(cat "$OUT/data-1/postgres/bridge-password")"
done
await_ready 2
await_ready 3
java -jar "$ROOT/load-tool/target/load-tool.jar" --scenario reconnect-storm --qos 1 --connections "$CLIENTS" \
  --inflight "$INFLIGHT" --messages-per-client "${MESSAGES_PER_CLIENT:-1}" --port "${MQTT[3]}" --failover-port "${MQTT[2]}" \
  --kill-pid "${PID[3]}" --broker-pid "${PID[2]}" --drain-timeout 120s --label "failover-$CLIENTS" \
  | tee "$OUT/load-tool.out"
PID[3]=""
grep -h "of dead node node-3" "$OUT/node-2.log" | tail -3 || true
echo "logs in $OUT"
