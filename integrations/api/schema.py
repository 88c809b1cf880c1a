"""OpenAPI description of the API-key authentication (loaded by the app config)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "`Authorization: Bearer ck_…`: a key of your party (shown once when "
            "issued). Scopes: tickets:read, tickets:write, party:admin.",
        }


# What every operation shares, added once here rather than on each view: every API view is
# rate limited (per key/person or per client IP) and every POST runs under an Idempotency-Key.
IDEMPOTENCY_HEADER = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "1 to 255 printable ASCII characters, unique per request you mean once. The "
    "same key and body within 24 h return the first answer (`Idempotent-Replayed: true`) "
    "without doing anything again.",
}
_SHARED_ERRORS = {
    "429": ("ErrorShape", "Too many requests; retry after `Retry-After` seconds."),
}
_POST_ERRORS = {
    "400": ("ErrorShape", "Invalid input or a malformed Idempotency-Key; see `field_errors`."),
    "409": ("ConflictShape", "A request with this Idempotency-Key is still being processed."),
    "422": ("ErrorShape", "This Idempotency-Key was used with a different request body."),
}


def _error_response(component: str, description: str) -> dict:
    ref = {"$ref": f"#/components/schemas/{component}"}
    return {"content": {"application/json": {"schema": ref}}, "description": description}


def document_throttling_and_idempotency(result: dict, generator, **kwargs) -> dict:
    """Postprocessing hook: 429 on every operation; on every POST the ``Idempotency-Key`` header
    and its 400/409/422. A view's own description of a status code wins."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            shared = {**_SHARED_ERRORS, **(_POST_ERRORS if method == "post" else {})}
            for status_code, (component, description) in shared.items():
                responses.setdefault(status_code, _error_response(component, description))
            if method == "post":
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == IDEMPOTENCY_HEADER["name"] for p in parameters):
                    parameters.append(IDEMPOTENCY_HEADER)
    return result
