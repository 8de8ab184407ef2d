#!/usr/bin/env bash
# The embedded loop's throughput beside a baseline checkout of this repository (e.g. a worktree of the last commit
# before the move to Orleans: git worktree add --detach ../fpo-baseline COMMIT), on the same machine in the same call.
# Runs `fpo loop` on the tiny built-in task for MINUTES in this checkout (A) and in BASELINE (B), taking turns
# A B A B … RUNS times each, so a machine whose speed drifts slows both alike. Each run's pairs judged per minute
# (labelled + abstained over the loop's elapsed time, from its last status line) and trainer steps per minute (from
# its metrics.jsonl) are printed, then the median of each side, the min–max spread and the median ratio A/B of the
# pairs run next to each other. Every run gets a fresh run folder; the task is prepared once per side before timing.
# Usage: bench/loop_vs_baseline.sh BASELINE [MINUTES=2] [RUNS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
baseline="$(cd "${1:?usage: bench/loop_vs_baseline.sh BASELINE [MINUTES=2] [RUNS=3]}" && pwd)"
minutes="${2:-2}"
runs="${3:-3}"
work="$(mktemp -d /tmp/fpo-loop-vs-baseline-XXXXXX)"
echo "A: $root ($(git -C "$root" log -1 --format=%h))  B: $baseline ($(git -C "$baseline" log -1 --format=%h))  $minutes min x $runs runs each; logs in $work" >&2

loop() { # SIDE CHECKOUT NAME MINUTES: one fpo loop on the tiny task, its output in $work/NAME.log
    "$2/fpo" loop --task-size tiny --max-minutes "$4" --port 0 --name "$3" --data "$work/data-$1" --runs "$work/runs-$1" \
        --threads 2 > "$work/$3.log" 2>&1
}
for side in A B; do
    dir=$root; [ "$side" = B ] && dir=$baseline
    echo "preparing the tiny task and building side $side" >&2
    loop "$side" "$dir" "warmup-$side" 0.25
done
for i in $(seq 1 "$runs"); do
    for side in A B; do
        dir=$root; [ "$side" = B ] && dir=$baseline
        echo "run $i of $runs, side $side: $(uptime | sed 's/.*load/load/')" >&2
        loop "$side" "$dir" "run-$i-$side" "$minutes"
    done
done

/usr/bin/python3 - "$work" "$runs" <<'PY'
import json, re, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
status = re.compile(r"fpo: (\d+):(\d+):(\d+) snapshot (\d+) steps (\d+) pairs (\d+) \([\d.]+/min\) labelled (\d+) abstained (\d+)")
def measure(name, side):
    lines = [m for m in map(status.search, open(f"{work}/{name}.log")) if m]
    if not lines: sys.exit(f"{work}/{name}.log: no status line; the run failed (see the log)")
    h, m, s, _, _, _, labelled, abstained = map(int, lines[-1].groups())
    minutes = (h * 3600 + m * 60 + s) / 60
    steps = [json.loads(l) for l in open(f"{work}/runs-{side}/{name}/metrics.jsonl") if '"kind":"step"' in l]
    return (labelled + abstained) / minutes, len(steps) / minutes
results = {side: [measure(f"run-{i}-{side}", side) for i in range(1, runs + 1)] for side in "AB"}
for i in range(runs):
    (a, sa), (b, sb) = results["A"][i], results["B"][i]
    print(f"run {i + 1}: A {a:7.0f} pairs judged/min ({sa:5.1f} steps/min)   B {b:7.0f} pairs judged/min ({sb:5.1f} steps/min)   A/B {a / b:.2f}")
for side in "AB":
    xs = [r[0] for r in results[side]]
    print(f"{side}: median {statistics.median(xs):.0f} pairs judged/min (min {min(xs):.0f}, max {max(xs):.0f}), "
          f"median {statistics.median(r[1] for r in results[side]):.1f} trainer steps/min")
ratios = [results["A"][i][0] / results["B"][i][0] for i in range(runs)]
print(f"A/B: median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
