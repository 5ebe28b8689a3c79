#!/usr/bin/env bash
# Make one virtual environment per peer, each installed from PyPI at a pinned version, for the head-to-head
# benchmarks in this folder (overhead.py, accuracy.py). Idempotent: an environment whose stamp matches its pins is
# kept. Not part of ponder's install or of CI.
#
#   bash benchmarks/peers/setup.sh              # all three
#   bash benchmarks/peers/setup.sh litellm      # one
#   PONDER_PEERS=/somewhere bash benchmarks/peers/setup.sh
#
# torch is pinned to the local CPU build (optillm requires torch; unpinned, pip pulls a multi-GB CUDA build).
set -euo pipefail
ROOT="${PONDER_PEERS:-${XDG_CACHE_HOME:-$HOME/.cache}/ponder/peers}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
declare -A PINS=(
  [optillm]="optillm==0.4.0 torch==2.13.0"
  [its_hub]="its-hub[iaas]==1.2.0"
  [litellm]="litellm[proxy]==1.106.12"  # the newest whose proxy installs from PyPI: 1.107+ moved it to litellm-proxy, not published
)
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=(litellm its_hub optillm)
for name in "${names[@]}"; do
  pins="${PINS[$name]:-}"
  [[ -z "$pins" ]] && { echo "error: unknown peer '$name' (known: ${!PINS[*]})" >&2; exit 2; }
  venv="$ROOT/$name"
  if [[ -f "$venv/.pins" && "$(cat "$venv/.pins")" == "$pins" ]]; then
    echo "$name: ready at $venv ($pins)"
    continue
  fi
  echo "$name: installing $pins into $venv"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  # shellcheck disable=SC2086
  "$venv/bin/pip" install -q $pins
  echo "$pins" > "$venv/.pins"
  echo "$name: ready at $venv"
done
