#!/usr/bin/env bash
# Issue 14 on the GPU machine: what the tracker, analytics and a Kafka sink cost at N paced streams
# (LiveBench: decode-only, the full path, the full path + stages + sink, same process; messages per
# second delivered to a real broker: one KRaft node in the bench JVM, from Kafka's test kit).
#   bash .device/run.sh bash tools/gpu/sink-cost-gpu.sh [STREAMS] [SECONDS] [bframe|project]
# The broker's and the Kafka client's jars do not fit in one carry with .device: they travel in
# .device-kafka/lib (bash tools/gpu/slim-bundle.sh --kafka-apart), in a second call on the warm
# machine that still holds .device from the first.
set -uo pipefail
cd "$(dirname "$0")/../.."
ls .device-kafka/lib/kafka_2.13-*.jar >/dev/null 2>&1 || { echo "no .device-kafka/lib: see the header" >&2; exit 2; }
CP="$CP:$(ls "$PWD"/.device-kafka/lib/*.jar | tr '\n' ':')"
export CP
exec bash tools/gpu/live-gpu.sh "${1:-128}" "${2:-30}" "${3:-bframe}" --kafka embedded --stage tracker \
    --stage 'analytics={"lines": [{"name": "mid", "line": [[960, 0], [960, 1080]]}], "zones": [{"name": "left", "polygon": [[0, 0], [960, 0], [960, 1080], [0, 1080]]}]}' \
    --sink 'kafka:k={"bootstrap": "{bootstrap}", "topic": "vahost", "all_frames": true}'
