"""Two real servers: A serves the embedded model raw; B uses A as its OpenAI-compatible backend and
thinks. What B reports must match what A served; a client that walks away from B stops A's work."""

import threading
import time

import httpx
import openai
import pytest

from processes import COUNTDOWN, UNSOLVABLE, Server


@pytest.fixture(scope="module")
def chain():
    a = Server()
    b = Server("--no-embedded", "--backend", f"tiny=openai:ponder-tiny@{a.base_url}")
    yield a, b
    b.stop()
    a.stop()


def test_b_thinks_over_a_and_its_usage_is_what_a_served(chain):
    a, b = chain
    before = {kind: a.metric("ponder_tokens_total", kind=kind) for kind in ("prompt", "completion")}
    calls_before = a.metric("ponder_requests_total")
    client = openai.OpenAI(base_url=b.base_url, api_key="unused", max_retries=0)
    response = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": COUNTDOWN}], reasoning_effort="high", seed=7)
    account = response.model_extra["ponder"]
    assert account["task"] == "countdown" and account["verifier"] == "countdown" and account["strategy"] == "best_of_n"
    assert 1 <= account["spend"]["candidates"] <= 16
    served = {kind: a.metric("ponder_tokens_total", kind=kind) - before[kind] for kind in before}
    assert response.usage.prompt_tokens == served["prompt"]
    assert response.usage.completion_tokens == served["completion"]  # the countdown checker spends no tokens
    assert a.metric("ponder_requests_total") - calls_before == account["spend"]["calls"]
    raw_b = client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": COUNTDOWN}], seed=9, max_tokens=20)
    raw_a = openai.OpenAI(base_url=a.base_url, api_key="unused").chat.completions.create(
        model="ponder-tiny", messages=[{"role": "user", "content": COUNTDOWN}], seed=9, max_tokens=20
    )
    assert raw_b.choices[0].message.content == raw_a.choices[0].message.content and raw_b.usage == raw_a.usage


def test_dropping_a_stream_on_b_stops_the_work_on_a_within_a_second(chain):
    a, b = chain
    client = openai.OpenAI(base_url=b.base_url, api_key="unused", max_retries=0)
    stream = client.chat.completions.create(
        model="tiny", messages=[{"role": "user", "content": UNSOLVABLE}], reasoning_effort="max", n=4, stream=True
    )
    seen = 0
    for chunk in stream:
        seen += 1
        if seen == 20:
            break
    assert a.metric("ponder_requests_in_flight") >= 0
    stream.close()
    dropped = time.monotonic()
    while time.monotonic() - dropped < 1.0:
        if b.metric("ponder_requests_in_flight") == 0 and a.metric("ponder_requests_in_flight") == 0:
            break
        time.sleep(0.05)
    assert b.metric("ponder_requests_in_flight") == 0 and a.metric("ponder_requests_in_flight") == 0
    stopped_at = time.monotonic() - dropped
    candidates = a.metric("ponder_candidates_total")
    time.sleep(0.5)
    assert a.metric("ponder_candidates_total") == candidates  # nothing more is generated
    assert b.metric("ponder_client_disconnects_total") >= 1
    assert any(r["outcome"] == "disconnected" for r in b.requests())
    print(f"backend work stopped {stopped_at * 1000:.0f} ms after the client left")


def test_dropping_a_stream_stops_local_decoding_within_a_second(server):
    client = openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0)
    stream = client.chat.completions.create(
        model="ponder-tiny", messages=[{"role": "user", "content": UNSOLVABLE}], reasoning_effort="max", n=8, stream=True
    )
    for seen, _ in enumerate(stream):
        if seen == 20:
            break
    assert server.metric("ponder_backend_calls_in_flight") >= 1  # still thinking when the client leaves
    stream.close()
    dropped = time.monotonic()
    while server.metric("ponder_backend_calls_in_flight") > 0 and time.monotonic() - dropped < 1.0:
        time.sleep(0.02)
    assert server.metric("ponder_backend_calls_in_flight") == 0 and server.metric("ponder_requests_in_flight") == 0
    assert server.metric("ponder_backend_calls_total", outcome="cancelled") >= 1


def test_graceful_shutdown_lets_an_in_flight_stream_finish():
    s = Server()
    client = openai.OpenAI(base_url=s.base_url, api_key="unused", max_retries=0)
    got: dict = {}

    def consume():
        stream = client.chat.completions.create(
            model="ponder-tiny", messages=[{"role": "user", "content": UNSOLVABLE}], reasoning_effort="xhigh", n=2, stream=True
        )
        got["chunks"] = [chunk for chunk in stream]

    reader = threading.Thread(target=consume)
    reader.start()
    while s.metric("ponder_requests_in_flight") < 1:
        time.sleep(0.02)
    s.process.terminate()  # SIGTERM while the request thinks
    reader.join(30)
    assert s.process.wait(15) in (0, -15)  # uvicorn re-raises the signal once it has shut down cleanly
    assert "Traceback" not in s.log_text()
    finishes = [c.choices[0].finish_reason for c in got["chunks"] if c.choices and c.choices[0].finish_reason]
    assert len(finishes) == 2  # both choices answered before the server left


def test_a_client_that_gives_up_on_a_plain_request_cancels_its_thinking(server):
    body = {"model": "ponder-tiny", "messages": [{"role": "user", "content": UNSOLVABLE}], "reasoning_effort": "max", "n": 8}
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{server.base_url}/chat/completions", json=body, timeout=0.5)
    gone = time.monotonic()
    while server.metric("ponder_requests_in_flight") > 0 and time.monotonic() - gone < 1.0:
        time.sleep(0.02)
    assert server.metric("ponder_requests_in_flight") == 0 and server.metric("ponder_backend_calls_in_flight") == 0
    assert server.requests()[-1]["outcome"] == "disconnected" and server.requests()[-1]["status"] == 499
