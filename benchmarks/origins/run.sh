#!/usr/bin/env bash
# Issue 28's speed goal: `hypscore score` of 30 items in 5 possible common origins (every
# judgment uncertain) under 2 s, side by side with the same 30 items independent (farm-bench,
# whole processes, CPU medians). The cases are written by make_cases.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
farm-bench -n 5 --timeout 300 --vs "hypscore score $here/independent.yaml" -- hypscore score "$here/thirty-items.yaml"
