#!/usr/bin/env bash
# Issue 27, item 8: `pool` of two analysts' versions of the seed case (via-chains, an event,
# seven disputed judgments) against scoring both alone, side by side, CPU time (farm-bench).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
farm-bench -n 5 --vs "sh -c 'hypscore score $here/analyst-a.yaml >/dev/null && hypscore score $here/analyst-b.yaml >/dev/null'" \
  -- hypscore pool "$here/analyst-a.yaml" "$here/analyst-b.yaml"
