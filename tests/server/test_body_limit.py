"""Request bodies over the server's limit get an OpenAI-style 413 before they are read (real servers)."""

import json

import httpx
import openai
import pytest

from processes import Server

MESSAGE = {"model": "scripted", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture(scope="module")
def small_limit(scripted_backend):
    s = Server("--no-embedded", "--backend", f"scripted=openai:scripted@{scripted_backend.base_url}", "--max-request-bytes", "2000")
    yield s
    s.stop()


def test_a_5_mb_chat_message_is_refused_with_413_by_default(proxy):
    body = {**MESSAGE, "messages": [{"role": "user", "content": "x" * 5_000_000}]}
    response = httpx.post(f"{proxy.base_url}/chat/completions", json=body, timeout=30)
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error" and error["code"] == "request_too_large" and "2,097,152 bytes" in error["message"]


def test_the_sdk_sees_a_413_as_an_api_status_error(proxy):
    client = openai.OpenAI(base_url=proxy.base_url, api_key="unused", max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="scripted", messages=[{"role": "user", "content": "x" * 3_000_000}])
    assert caught.value.status_code == 413


def test_the_limit_is_configurable_and_bodies_under_it_are_answered(small_limit):
    assert httpx.post(f"{small_limit.base_url}/chat/completions", json=MESSAGE, timeout=30).status_code == 200
    large = {**MESSAGE, "messages": [{"role": "user", "content": "y" * 3000}]}
    assert httpx.post(f"{small_limit.base_url}/chat/completions", json=large, timeout=30).status_code == 413


def test_a_chunked_body_without_a_length_is_cut_off_at_the_limit(small_limit):
    def chunks(text: bytes):
        for start in range(0, len(text), 500):
            yield text[start:start + 500]

    small = json.dumps(MESSAGE).encode()
    large = json.dumps({**MESSAGE, "messages": [{"role": "user", "content": "z" * 5000}]}).encode()
    headers = {"content-type": "application/json"}
    assert httpx.post(f"{small_limit.base_url}/chat/completions", content=chunks(small), headers=headers, timeout=30).status_code == 200
    assert httpx.post(f"{small_limit.base_url}/chat/completions", content=chunks(large), headers=headers, timeout=30).status_code == 413
