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
