"""One way to resolve a server's config (file, environment, overrides), used by `ponder serve` and `create_app()`."""

import asyncio
import json

import httpx
import pytest

from ponder.server.app import create_app
from ponder.server.config import ConfigError, resolve_config


def test_environment_keys_add_to_the_file_and_overrides_win(tmp_path):
    path = tmp_path / "server.json"
    path.write_text(json.dumps({"api_keys": ["from-file"], "max_concurrency": 7, "embedded": False,
                                "backends": {"a": "openai:m@http://127.0.0.1:9/v1"}}))
    config = resolve_config(None, {"max_concurrency": 3, "backends": {"b": "hf:/models/x"}, "api_keys": frozenset({"flag"})},
                            {"PONDER_CONFIG": str(path), "PONDER_API_KEYS": "env-1, env-2"})
    assert config.api_keys == {"from-file", "env-1", "env-2", "flag"}
    assert config.max_concurrency == 3 and set(config.backends) == {"a", "b"} and not config.embedded


def test_a_config_that_serves_nothing_is_refused():
    with pytest.raises(ConfigError, match="nothing to serve"):
        resolve_config(None, {"embedded": False}, {})


def test_create_app_without_a_config_honours_PONDER_API_KEYS(monkeypatch, embedded):
    monkeypatch.setenv("PONDER_API_KEYS", "sesame")
    app = create_app(embedded=embedded)

    async def call(headers):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://ponder") as client:
            return (await client.get("/v1/models", headers=headers)).status_code

    assert asyncio.run(call({})) == 401
    assert asyncio.run(call({"authorization": "Bearer sesame"})) == 200
