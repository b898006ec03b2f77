#!/usr/bin/env bash
# Issue 27, item 8: `pool` of two analysts' versions of a case against scoring both alone, side
# by side, CPU time (farm-bench): the seed case's pair (analyst-a/b) and a chained pair whose
# every item sits in one sampled component (chained-a/b).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
for pair in analyst chained; do
  a="$here/$pair-a.yaml" b="$here/$pair-b.yaml"
  echo "== $pair"
  farm-bench -n 5 --timeout 300 --vs "sh -c 'hypscore score $a >/dev/null && hypscore score $b >/dev/null'" \
    -- hypscore pool "$a" "$b"
done
