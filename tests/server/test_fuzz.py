"""Schemathesis fuzzes a real `ponder serve` process from its own OpenAPI spec: no request it can
generate — valid (positive) or invalid (negative) — may get a 5xx, an undocumented status or content
type, or a body that violates the spec.

Hypothesis drives schemathesis's strategies directly (not its pytest plugin, which breaks with some
pytest releases)."""

import json
import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from processes import Server

# Small caps keep each generated thinking request to a few short candidates.
CONFIG = {"budget_cap": {"max_candidates": 4, "max_seconds": 5}, "max_tokens_per_candidate": 16, "max_thinking_n": 2}
EXAMPLES = int(os.environ.get("PONDER_FUZZ_EXAMPLES", "150"))  # per operation and mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory):
    config = tmp_path_factory.mktemp("fuzz") / "server.json"
    config.write_text(json.dumps(CONFIG))
    server = Server("--config", str(config))
    yield server
    server.stop()


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode), ids=str)
def test_fuzzing_finds_no_server_error_and_no_schema_violation(fuzzed, mode):
    schema = schemathesis.openapi.from_url(f"{fuzzed.root}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.label for op in operations} >= {"POST /v1/chat/completions", "GET /v1/models", "GET /health"}
    if mode == schemathesis.GenerationMode.NEGATIVE:  # only a request body can be made invalid
        operations = [op for op in operations if op.label == "POST /v1/chat/completions"]
    before = len(fuzzed.requests())
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            if isinstance(case.body, dict) and isinstance(case.body.get("model"), str):
                case.body["model"] = "ponder-tiny"  # reach the engine, not just the 404 (the SDK tests cover that)
            case.call_and_validate(checks=CHECKS, timeout=30)

        fuzz()
    reached = Counter((r["mode"], r["status"]) for r in fuzzed.requests()[before:])
    print(f"{mode}: fuzzing reached the chat service {sum(reached.values())} times: {dict(reached)}")
    if mode == schemathesis.GenerationMode.POSITIVE:
        assert reached[("thinking", 200)] > 0 and reached[("generate", 200)] > 0  # the fuzz got past validation


NOT_JSON = [float("nan"), float("inf"), float("-inf"), "\ud800", "tail \udfff"]  # what Python's json writes and strict parsers refuse


def _poison(value, choice: int, depth: int = 0):
    """`value` with one leaf (chosen by `choice`) replaced by NaN, an infinity or an unpaired surrogate."""
    if isinstance(value, dict) and value and depth < 4:
        key = sorted(value)[choice % len(value)]
        return {**value, key: _poison(value[key], choice // 7, depth + 1)}
    if isinstance(value, list) and value and depth < 4:
        index = choice % len(value)
        return value[:index] + [_poison(value[index], choice // 7, depth + 1)] + value[index + 1:]
    return NOT_JSON[choice % len(NOT_JSON)]


def test_bodies_with_nan_infinity_or_lone_surrogates_get_a_400_never_a_500(fuzzed):
    import httpx
    from hypothesis import strategies as st

    schema = schemathesis.openapi.from_url(f"{fuzzed.root}/openapi.json")
    chat = next(r.ok() for r in schema.get_all_operations() if r.ok().label == "POST /v1/chat/completions")

    @given(case=chat.as_strategy(generation_mode=schemathesis.GenerationMode.POSITIVE), choice=st.integers(0, 10**6))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def fuzz(case, choice):
        if not isinstance(case.body, dict):
            return
        body = _poison({**case.body, "model": "ponder-tiny"}, choice)
        raw = json.dumps(body).encode("utf-8", "surrogatepass")  # Python writes NaN and Infinity; a lone surrogate as \ud800
        answer = httpx.post(f"{fuzzed.base_url}/chat/completions", content=raw, headers={"content-type": "application/json"}, timeout=30)
        assert answer.status_code == 400, (raw[:200], answer.text[:200])
        assert answer.json()["error"]["type"] == "invalid_request_error"

    fuzz()
