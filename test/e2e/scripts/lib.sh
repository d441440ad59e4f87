# Shared by the install scripts: where the cache lives and how long a step took.
# Everything a backend needs is built or downloaded into $E2E_CACHE, outside the repository,
# keyed by version so that a second run finds it and does nothing.
E2E_CACHE=${OTEL_LOGKIT_CACHE:-$HOME/.cache/otel-logkit}/e2e
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$E2E_CACHE/bin"

# Go: module and build caches inside our cache, so the Go toolchain's own defaults stay untouched
# and a cold run really is cold.
export GOMODCACHE="$E2E_CACHE/go/mod"
export GOCACHE="$E2E_CACHE/go/build"
export GOFLAGS="-buildvcs=false -mod=mod"
export GOTOOLCHAIN=local

e2e_log() { printf '[e2e %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# e2e_timed NAME COMMAND...: runs COMMAND, prints its wall time.
e2e_timed() {
  local name=$1; shift
  local start=$SECONDS
  "$@"
  local rc=$?
  e2e_log "$name: $((SECONDS - start)) s (exit $rc)"
  return $rc
}

# e2e_lock NAME: holds an exclusive lock on NAME until the script exits, so that install.sh and a
# test run (or two test runs) building the same backend at once wait for each other.
e2e_lock() {
  exec {E2E_LOCK_FD}>"$E2E_CACHE/$1.lock"
  flock "$E2E_LOCK_FD"
}

# e2e_java: the java binary the Maven-built backends run on ($JAVA_HOME if set, else the `java` on
# PATH), with links resolved, so a cache key can name it.
e2e_java() {
  local java_bin
  if [ -n "${JAVA_HOME:-}" ]; then java_bin="$JAVA_HOME/bin/java"; else java_bin=$(command -v java); fi
  readlink -f "$java_bin"
}

# e2e_classpath_complete FILE: true if FILE is a non-empty classpath whose every entry still exists
# (a jar may have been removed from the Maven cache since it was written).
e2e_classpath_complete() {
  [ -s "$1" ] || return 1
  local entry
  while IFS= read -r entry; do
    [ -e "$entry" ] || return 1
  done < <(tr ':' '\n' <"$1")
}
