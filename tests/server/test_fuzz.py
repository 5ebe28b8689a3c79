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
