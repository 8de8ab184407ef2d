#!/usr/bin/env bash
# Runs every golden-data script with Debian's PyTorch; output goes to tests/reference/out/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$here/out"
shopt -s nullglob
for script in "$here"/*.py; do
    case "$(basename "$script")" in _*) continue ;; esac
    echo "  $(basename "$script")"
    /usr/bin/python3 "$script" "$here/out"
done
