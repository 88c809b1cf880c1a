"""The OpenAPI schema is complete and clean: generated in process without a single drf-spectacular
warning or error, valid OpenAPI 3.1, and every operation says what it does, what it returns and
how it fails (in the API's one error shape)."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

ERROR_SHAPES = {"#/components/schemas/ErrorShape", "#/components/schemas/ConflictShape"}


@pytest.fixture(scope="module")
def schema() -> dict:
    # The stats are process-wide and other tests (schemathesis) may already have generated the
    # schema: start from zero so only this generation counts.
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        generated = SchemaGenerator().get_schema(request=None, public=True)
    problems = {
        "warnings": dict(GENERATOR_STATS._warn_cache),
        "errors": dict(GENERATOR_STATS._error_cache),
    }
    GENERATOR_STATS.reset()
    return {"document": generated, "problems": problems}


def operations(schema: dict):
    for path, methods in schema["document"]["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def test_generation_emits_no_warning_nor_error(schema):
    assert schema["problems"] == {"warnings": {}, "errors": {}}


def test_schema_is_valid_openapi_3_1(schema):
    assert schema["document"]["openapi"].startswith("3.1")
    validate_schema(schema["document"])


def test_every_campaign_and_bulk_job_endpoint_is_described(schema):
    paths = schema["document"]["paths"]
    for path in (
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{slug}/",
        "/api/v1/campaigns/{slug}/registrations/",
        "/api/v1/campaigns/{slug}/eligible-orders/",
        "/api/v1/campaigns/{slug}/review/",
        "/api/v1/bulk-jobs/",
        "/api/v1/bulk-jobs/{job_id}/",
        "/api/v1/bulk-jobs/{job_id}/results/",
        "/api/v1/bulk-jobs/{job_id}/errors/",
        "/api/v1/bulk-jobs/{job_id}/download/",
    ):
        assert path in paths


def test_every_operation_has_a_summary_and_a_tag(schema):
    missing = [name for name, _m, op in operations(schema) if not op.get("summary")]
    untagged = [name for name, _m, op in operations(schema) if not op.get("tags")]
    assert missing == [] and untagged == []


def test_every_operation_describes_its_success_body(schema):
    undescribed = []
    for name, _method, operation in operations(schema):
        successes = {c: r for c, r in operation["responses"].items() if c.startswith("2")}
        if not successes or any(c != "204" and "content" not in r for c, r in successes.items()):
            undescribed.append(name)
    assert undescribed == []


def test_errors_are_documented_in_the_error_shape(schema):
    wrong = []
    for name, method, operation in operations(schema):
        responses = operation["responses"]
        expected = {"429"}
        if operation.get("security") != [{}]:  # authenticated (the buyer's endpoints are not)
            expected |= {"401", "403"}
        if method == "post":
            expected |= {"400", "409", "422"}
        if "{" in name:  # an object in the path the caller may not see
            expected.add("404")
        if not expected <= set(responses):
            wrong.append((name, sorted(expected - set(responses))))
        for code, response in responses.items():
            if code.startswith(("4", "5")):
                ref = response.get("content", {}).get("application/json", {}).get("schema", {})
                if ref.get("$ref") not in ERROR_SHAPES:
                    wrong.append((name, code))
    assert wrong == []


def test_every_post_accepts_an_idempotency_key(schema):
    without = [
        name
        for name, method, operation in operations(schema)
        if method == "post"
        and not any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    ]
    assert without == []
