from __future__ import annotations

import pytest

from processes import Server


@pytest.fixture(scope="session")
def embedded():
    from ponder.embedded.tiny import EmbeddedGenerator

    return EmbeddedGenerator(threads=1)


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture(scope="session")
def server_without_n():
    s = Server("--no-n")
    yield s
    s.stop()


@pytest.fixture(scope="session")
def scripted_backend():
    """The scripted OpenAI-compatible backend (`ponder.testing_backend`): fixed replies, OpenAI's refusals."""
    s = Server(module="ponder.testing_backend", command=())
    yield s
    s.stop()
