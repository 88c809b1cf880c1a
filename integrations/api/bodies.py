"""``Body``: the serializer base of the API's hottest request bodies (ticket create, list query).

DRF deep-copies a serializer's declared fields for every instance, so that binding a field to
its parent never touches the class's copy. Deep copies re-run every field's ``__init__`` and
clone the querysets of related fields: measured, about a tenth of an API create's CPU
(bench/README.md). The fields of a body hold no per-request state of their own (binding sets
``field_name`` and ``parent``, which a shallow copy keeps apart; validators and choices are only
read), so a shallow copy per request is enough.
"""

from __future__ import annotations

import copy

from rest_framework import serializers


class Body(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}
