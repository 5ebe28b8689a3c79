"""Schemathesis fuzzes a real `ponder serve` process from its own OpenAPI spec: no request it can
generate — valid or not — may get a 5xx, an undocumented status, or a body that violates the spec."""

import json
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from processes import Server

# Small caps keep each generated thinking request to a few short candidates.
CONFIG = {"budget_cap": {"max_candidates": 4, "max_seconds": 5}, "max_tokens_per_candidate": 16, "max_thinking_n": 2}


@pytest.fixture(scope="module")
def fuzz_schema(tmp_path_factory):
    config = tmp_path_factory.mktemp("fuzz") / "server.json"
    config.write_text(json.dumps(CONFIG))
    server = Server("--config", str(config))
    schema = schemathesis.openapi.from_url(f"{server.root}/openapi.json")

    yield schema
    reached = Counter((r["mode"], r["status"]) for r in server.requests())
    print(f"fuzzing reached the chat service {sum(reached.values())} times: {dict(reached)}")
    server.stop()


schema = schemathesis.pytest.from_fixture("fuzz_schema")


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_fuzzing_finds_no_server_error_and_no_schema_violation(case):
    if isinstance(case.body, dict) and isinstance(case.body.get("model"), str):
        case.body["model"] = "ponder-tiny"  # reach the engine, not just the 404 (the SDK tests cover that)
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        timeout=30,
    )
