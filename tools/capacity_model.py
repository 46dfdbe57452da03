#!/usr/bin/env python3
"""Capacity model of a bridge cluster (docs/SCALING.md): nodes, memory per node, Kafka topics and
partitions, and records forwarded between nodes, from a few measured per-node figures.

Every input has a default taken from docs/BENCHMARKS.md or from the design; override any of them:
    python3 tools/capacity_model.py --devices 1000000 --connections-per-node 200000
The numbers it prints are an extrapolation, not a measurement: see docs/SCALING.md for what was
measured and what was not.
"""
import argparse
import math

MEASURED = {
    # docs/BENCHMARKS.md "Our broker vs Mosquitto", idle connections: live heap per connection
    # after the pipeline slimming, and resident memory growth per connection (JVM heap kept).
    "heap_bytes_per_connection": 2_795,
    "rss_bytes_per_connection": 15_000,
    # Open files per process on the measured machine (the hard limit there, not a broker limit).
    "fd_limit_measured_machine": 20_000,
    # docs/BENCHMARKS.md "Cluster": estimated bytes of one forwarded record (100-byte payload).
    "forwarded_record_bytes": 490,
}


def model(a):
    nodes = max(a.min_nodes, math.ceil(a.devices / a.connections_per_node))
    per_node_connections = math.ceil(a.devices / nodes)
    # Every node keeps the claims view (client id -> holder) of every client id in the cluster.
    claims_bytes = a.devices * a.claim_entry_bytes
    connection_bytes = per_node_connections * MEASURED["rss_bytes_per_connection"]
    session_bytes = per_node_connections * a.queued_messages_per_session * a.message_bytes
    heap_floor = 512 * 1024 * 1024
    memory = heap_floor + connection_bytes + session_bytes + claims_bytes
    msgs_in = a.devices * a.messages_per_device_per_second
    # A message is forwarded to every other node with a matching subscriber: 0 when subscribers
    # sit where publishers are, up to nodes-1 when every node has one (e.g. a dashboard per node).
    remote_targets = min(nodes - 1, a.subscriber_nodes_per_message) * (1 - a.local_fraction)
    forwarded = msgs_in * remote_targets
    inbox_partitions = nodes * a.inbox_partitions
    return {
        "nodes": nodes,
        "connections per node": per_node_connections,
        "memory per node (GiB)": round(memory / 2**30, 1),
        "  of which connections (GiB)": round(connection_bytes / 2**30, 1),
        "  of which queued messages (GiB)": round(session_bytes / 2**30, 1),
        "  of which the claims view of all clients (GiB)": round(claims_bytes / 2**30, 1),
        "messages accepted per second (cluster)": int(msgs_in),
        "mirror records per second (Kafka)": int(msgs_in),
        "forwarded records per second (Kafka)": int(forwarded),
        "forwarded MB/s": round(forwarded * MEASURED["forwarded_record_bytes"] / 1e6, 1),
        "forwarded records read per node per second": int(forwarded / nodes),
        "inbox topics / partitions": f"{nodes} / {inbox_partitions}",
        "control topics": "routes, nodes, claims (compacted), "
                          f"{a.control_partitions} partitions each",
        "claims topic records (compacted, one per client id)": a.devices,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--devices", type=int, default=1_000_000)
    p.add_argument("--connections-per-node", type=int, default=200_000,
                   help="sockets one node holds (open-files limit and memory decide; measured machine: 20,000)")
    p.add_argument("--min-nodes", type=int, default=3)
    p.add_argument("--messages-per-device-per-second", type=float, default=0.1)
    p.add_argument("--local-fraction", type=float, default=0.0,
                   help="share of deliveries whose subscriber is on the publisher's node")
    p.add_argument("--subscriber-nodes-per-message", type=float, default=1.0,
                   help="nodes with a matching subscriber per message (1: a backend on one node)")
    p.add_argument("--queued-messages-per-session", type=int, default=1,
                   help="average messages held per session in memory")
    p.add_argument("--message-bytes", type=int, default=400, help="bytes one held message costs in memory")
    p.add_argument("--claim-entry-bytes", type=int, default=150,
                   help="bytes per client id in every node's claims view (string + map entry)")
    p.add_argument("--inbox-partitions", type=int, default=6)
    p.add_argument("--control-partitions", type=int, default=6)
    a = p.parse_args()
    for key, value in model(a).items():
        print(f"{key:55s} {value}")


if __name__ == "__main__":
    main()
