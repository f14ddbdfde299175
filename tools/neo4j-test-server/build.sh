#!/usr/bin/env bash
# Builds target/neo4j-test-server.jar (+ its dependencies in target/lib/) unless it is already
# up to date, then prints the absolute jar path on stdout (Maven's output goes to stderr).
# Needs only Java 17+ and Maven; extra arguments are passed on to mvn.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/neo4j-test-server.jar"

up_to_date() {
    [[ -f "$jar" && -d "$here/target/lib" ]] || return 1
    # Any input newer than the jar means a rebuild.
    [[ -z "$(find "$here/pom.xml" "$here/src" -newer "$jar" -type f -print -quit)" ]]
}

if ! up_to_date; then
    command -v mvn >/dev/null || { echo "build.sh: mvn not found on PATH" >&2; exit 1; }
    command -v java >/dev/null || { echo "build.sh: java not found on PATH" >&2; exit 1; }
    mkdir -p "$here/target"
    # Serialise concurrent builds (e.g. parallel test workers); re-check once we hold the lock.
    if command -v flock >/dev/null; then
        exec 9>"$here/target/.build.lock"
        flock 9
    fi
    if ! up_to_date; then
        (cd "$here" && mvn -q -B -Dstyle.color=never package -DskipTests "$@") >&2
        [[ -f "$jar" ]] || { echo "build.sh: build finished but $jar is missing" >&2; exit 1; }
        touch "$jar"
    fi
fi

echo "$jar"
