#!/usr/bin/env bash
# How the loop's grains should share 2 cores: runs `fpo loop` on the built-in task for MINUTES (default 3) per layout
# and prints pairs/min, trainer steps/min, mean step time and the last win rate of each, from the runs' metrics.jsonl.
# Layouts: all grains concurrent with 1 rollout grain (the default), compute grains taking turns, 2 rollout grains.
# Usage: bench/loop_concurrency.sh [MINUTES]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
minutes="${1:-3}"
stamp="$(date +%Y%m%d-%H%M%S)"
declare -A layouts=(
    [concurrent]=""
    [turns]="--set loop.take_turns=true"
    [rollout2]="--set rollout.grains=2"
)
for name in concurrent turns rollout2; do
    run="bench-$name-$stamp"
    # shellcheck disable=SC2086
    "$root/fpo" loop --max-minutes "$minutes" --name "$run" ${layouts[$name]} > "/tmp/$run.log" 2>&1
    /usr/bin/python3 - "$root/runs/$run" "$name" "$minutes" <<'PY'
import json, sys
run, name, minutes = sys.argv[1], sys.argv[2], float(sys.argv[3])
lines = [json.loads(l) for l in open(f"{run}/metrics.jsonl")]
steps = [l for l in lines if l["kind"] == "step"]
evals = [l for l in lines if l["kind"] == "evaluation"]
pairs = sum(l["pairs"] for l in steps)
log = open(f"/tmp/{run.rsplit('/', 1)[1]}.log").read().splitlines()
status = [l for l in log if "pairs/min" in l or "/min)" in l]
rate = status[-1].split("(")[1].split("/min")[0] if status else "?"
step_s = sum(l["step_seconds"] for l in steps) / max(1, len(steps))
win = evals[-1].get("win_rate") if evals else None
print(f"{name:10s} pairs/min {rate:>7s}  trainer steps {len(steps):4d} ({len(steps)/minutes:5.1f}/min, {pairs} preferences)  "
      f"mean step {step_s:.3f} s  evaluations {len(evals)}  last win rate {win}")
PY
done
