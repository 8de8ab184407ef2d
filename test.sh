#!/usr/bin/env bash
# Installs what the tests need when it is missing, writes the PyTorch golden data, then runs every test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

need_apt=()
/usr/bin/python3 -c 'import torch, numpy' 2>/dev/null || need_apt+=(python3-torch python3-numpy)
# dlopen, as .NET's NativeLibrary does: the library must load, not merely be listed.
/usr/bin/python3 -c 'import ctypes; ctypes.CDLL("libopenblas.so.0")' 2>/dev/null || need_apt+=(libopenblas0-pthread)
command -v node >/dev/null || need_apt+=(nodejs npm)
# The dashboard's browser test drives Debian's chromium through Playwright (never Playwright's own browser download).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# The PostgreSQL backbone's tests start throwaway servers (LocalPostgresServer): they need initdb and pg_ctl.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || need_apt+=(postgresql)
# The deployment tests render infra/k8s with kubectl's kustomize (any kubectl 1.20 or newer; Debian's when there is none).
command -v kubectl >/dev/null || need_apt+=(kubernetes-client)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "test.sh: installing ${need_apt[*]}"
    sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# npm ci again whenever the lock file is newer than the installed tree, so added packages arrive.
for node_dir in tests/reference/node tests/k8s tests/azurite; do
    if [ ! -f "$node_dir/node_modules/.package-lock.json" ] || \
       [ "$node_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
        echo "test.sh: installing the node tools of $node_dir"
        (cd "$node_dir" && npm ci --silent --no-audit --no-fund)
    fi
done

echo "test.sh: writing PyTorch golden data"
tests/reference/generate.sh

echo "test.sh: running the test suite"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
dotnet test Cluster.sln -c Release --nologo "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole suite, summed over the test projects.
awk '/(Passed|Failed)! +- +Failed: /{ gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s; exit (s > 0 || p == 0) }' "$log" || {
    [ "$status" -ne 0 ] || { echo "test.sh: a skipped test is a missing check, and a run must execute tests" >&2; status=1; }
}
exit "$status"
