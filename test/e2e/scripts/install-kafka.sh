#!/usr/bin/env bash
# Resolves the Apache Kafka broker (kafka/broker/pom.xml: kafka_2.13 4.1.1, KRaft) from Maven Central
# into a Maven repository inside the e2e cache. Idempotent: the result is keyed by a hash of the pom.
# Prints the broker's Java classpath file on stdout; java.txt beside it names the java binary.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_lock kafka

project="$E2E_DIR/kafka/broker"
java_bin=$(e2e_java)
hash=$(sha256sum "$project/pom.xml" | cut -c1-12)
out="$E2E_CACHE/kafka-broker/$hash"
classpath_file="$out/classpath.txt"

# Resolve again if the classpath is missing or names a jar that is no longer in the Maven cache.
if ! e2e_classpath_complete "$classpath_file"; then
  rm -rf "$out"
  mkdir -p "$out"
  e2e_log "resolving the Kafka broker ($project/pom.xml) into $out"
  mvn -B -q -f "$project/pom.xml" \
    -Dmaven.repo.local="$E2E_CACHE/m2" \
    -Dmdep.outputFile="$out/dependencies.txt" \
    dependency:build-classpath >"$out.build.log" 2>&1 || {
    tail -50 "$out.build.log" >&2
    exit 1
  }
  printf '%s\n' "$java_bin" >"$out/java.txt"
  cp "$out/dependencies.txt" "$classpath_file.tmp"
  mv "$classpath_file.tmp" "$classpath_file"
fi
echo "$classpath_file"
