import json

import openai
import pytest

from processes import Server


@pytest.fixture(scope="session")
def client(server):
    return openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


@pytest.fixture(scope="session")
def async_client(server):
    """A factory: an async client belongs to the event loop it is first used in."""
    return lambda: openai.AsyncOpenAI(base_url=server.base_url, api_key="unused", max_retries=0)


@pytest.fixture(scope="session")
def proxy(scripted_backend, tmp_path_factory):
    config = tmp_path_factory.mktemp("proxy") / "server.json"
    config.write_text(json.dumps({"backends": {"scripted": f"openai:scripted@{scripted_backend.base_url}"}}))
    s = Server("--config", str(config), "--backend", f"slow=openai:slow-5@{scripted_backend.base_url}",
               "--backend", "dead=openai:x@http://127.0.0.1:9/v1", "--backend-timeout", "0.5", "--backend-retries", "1")
    yield s
    s.stop()
