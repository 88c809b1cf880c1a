"""Masking of the buyer's personal data (DESIGN §2, PIPL Art. 23). Pure functions."""

from __future__ import annotations

ADDRESS_VISIBLE_PARTS = ("province", "city", "district")


def mask_phone(phone: str) -> str:
    """``13812345678`` → ``*******5678``: the last four digits only."""
    if not phone:
        return ""
    return "*" * max(len(phone) - 4, 0) + phone[-4:]


def mask_name(name: str) -> str:
    """``张三丰`` → ``张*``: the first character only."""
    if not name:
        return ""
    return name[0] + "*"


def mask_address(address: dict) -> dict:
    """Down to the district; street, building and room are dropped."""
    return {part: address[part] for part in ADDRESS_VISIBLE_PARTS if address.get(part)}


MASKERS = {"phone": mask_phone, "name": mask_name, "address": mask_address}


def mask_form_data(form_data: dict, schema: dict) -> dict:
    """Mask the form fields the category's schema marks ``"x-personal": "phone|name|address"``."""
    properties = schema.get("properties", {})
    masked = dict(form_data)
    for name, value in form_data.items():
        kind = properties.get(name, {}).get("x-personal")
        if kind in MASKERS and value:
            masked[name] = MASKERS[kind](value)
    return masked
