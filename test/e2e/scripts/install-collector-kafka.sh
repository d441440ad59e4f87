#!/usr/bin/env bash
# Builds the e2e Collector with the Kafka components (collector/builder-kafka.yaml): otlpreceiver and
# kafkareceiver in, kafkaexporter, fileexporter and debugexporter out. A release of its own, 0.165.0:
# the module proxy refuses contrib's pkg/kafka/configkafka at v0.162.0 (which kafkareceiver v0.162.0
# needs) and kafkaexporter itself at v0.162.0-v0.164.0. Prints the binary's path on stdout.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/build-collector.sh"
e2e_lock collector-kafka

e2e_build_collector v0.165.0 "$E2E_DIR/collector/builder-kafka.yaml"
