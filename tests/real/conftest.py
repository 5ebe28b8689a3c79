"""The real llama.cpp server and the real Gemma 3 270M model, when installed (`bash scripts/install_real_models.sh`);
every test here is skipped, saying what to install, when they are not."""

import pytest

from ponder.testing_real import INSTALL, LlamaServer, gemma_gguf, llama_server_binary



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
