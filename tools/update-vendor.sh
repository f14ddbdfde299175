#!/usr/bin/env bash
# Refresh the vendored sigma.js and graphology bundles from the npm registry:
#   tools/update-vendor.sh 3.0.3 0.26.0
# Then update the versions and sha256 sums in visualize/static/vendor/README.md.
set -euo pipefail
sigma="${1:?sigma version}"; graphology="${2:?graphology version}"
vendor="$(cd "$(dirname "$0")/.." && pwd)/visualize/static/vendor"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "sigma@$sigma" "graphology@$graphology" >/dev/null
for tgz in sigma-*.tgz graphology-*.tgz; do mkdir -p "${tgz%.tgz}"; tar xzf "$tgz" -C "${tgz%.tgz}"; done
cp "sigma-$sigma/package/dist/sigma.min.js" "$vendor/sigma.min.js"
cp "sigma-$sigma/package/LICENSE.txt" "$vendor/sigma.LICENSE.txt"
cp "graphology-$graphology/package/dist/graphology.umd.min.js" "$vendor/graphology.umd.min.js"
cp "graphology-$graphology/package/LICENSE.txt" "$vendor/graphology.LICENSE.txt"
sha256sum "$vendor"/*.js
