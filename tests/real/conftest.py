"""The real llama.cpp server and the real models (Gemma 3 270M base, Qwen2.5-Coder 1.5B and 0.5B Instruct), when
installed (`bash scripts/install_real_models.sh`); every test here is skipped, saying what to install, when they are not."""

import pytest

from ponder.testing_real import INSTALL, LlamaServer, gemma_gguf, llama_server_binary, qwen_coder_gguf

@pytest.fixture(scope="session")
def gemma():
    path = gemma_gguf()
    if path is None:
        pytest.skip(f"the Gemma 3 270M GGUF is not installed ({INSTALL})")
    return path


@pytest.fixture(scope="session")
def llama(gemma):
    binary = llama_server_binary()
    if binary is None:
        pytest.skip(f"llama-server is not installed ({INSTALL})")
    with LlamaServer(binary, gemma, slots=8, context=8192) as server:
        yield server


@pytest.fixture(scope="session", params=["1.5b", "0.5b"])
def qwen_coder(request):
    """llama-server serving one Qwen2.5-Coder Instruct GGUF (each size in turn), two slots."""
    path, binary = qwen_coder_gguf(request.param), llama_server_binary()
    if path is None:
        pytest.skip(f"the Qwen2.5-Coder {request.param} Instruct GGUF is not installed ({INSTALL})")
    if binary is None:
        pytest.skip(f"llama-server is not installed ({INSTALL})")
    with LlamaServer(binary, path, slots=2, context=4096) as server:
        yield request.param, server
