"""The ticket categories every installation starts with, each with a small form schema.

Labels of form fields: ``title`` in English, ``x-title-zh-hans`` in Simplified Chinese.
Fields marked ``x-personal`` are masked like the buyer's own data (tickets.masking).
"""

from django.db import migrations

SIZE = {"type": "string", "minLength": 1, "maxLength": 20, "title": "New size",
        "x-title-zh-hans": "新尺码"}
COLOUR = {"type": "string", "minLength": 1, "maxLength": 40, "title": "New colour",
          "x-title-zh-hans": "新颜色"}
ADDRESS = {
    "type": "object",
    "title": "New address",
    "x-title-zh-hans": "新地址",
    "x-personal": "address",
    "required": ["province", "city", "district", "detail"],
    "properties": {
        "province": {"type": "string", "minLength": 1, "maxLength": 40},
        "city": {"type": "string", "minLength": 1, "maxLength": 40},
        "district": {"type": "string", "minLength": 1, "maxLength": 40},
        "detail": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    "additionalProperties": False,
}
PHOTOS = {"type": "array", "items": {"type": "string", "maxLength": 500}, "maxItems": 9,
          "title": "Photos", "x-title-zh-hans": "照片"}
REASON = {"type": "string", "minLength": 1, "maxLength": 500, "title": "Reason",
          "x-title-zh-hans": "原因"}


def schema(required, **properties):
    return {"type": "object", "required": required, "properties": properties,
            "additionalProperties": False}


CATEGORIES = [
    ("address_change", "Address change", "修改地址", schema(["new_address"], new_address=ADDRESS)),
    ("size_colour_change", "Size/colour change", "修改尺码/颜色",
     schema(["new_size", "new_colour"], new_size=SIZE, new_colour=COLOUR)),
    ("exchange", "Exchange", "换货",
     schema(["reason"], reason=REASON, new_size=SIZE, new_colour=COLOUR, photos=PHOTOS)),
    ("reissue", "Reissue", "补发",
     schema(["missing_items"], missing_items={"type": "string", "minLength": 1,
                                              "maxLength": 200, "title": "Missing items",
                                              "x-title-zh-hans": "缺少的商品"})),
    ("refund", "Refund", "仅退款", schema(["reason"], reason=REASON)),
    ("return_refund", "Return & refund", "退货退款",
     schema(["reason"], reason=REASON, photos=PHOTOS)),
    ("quality", "Quality issue", "质量问题",
     schema(["defect"], defect={"type": "string", "minLength": 1, "maxLength": 500,
                                "title": "What is wrong", "x-title-zh-hans": "问题描述"},
            photos=PHOTOS)),
    ("logistics", "Logistics", "物流问题",
     schema([], tracking_number={"type": "string", "maxLength": 40, "title": "Tracking number",
                                 "x-title-zh-hans": "运单号"})),
    ("price_protection", "Price protection", "价格保护",
     schema(["paid_price", "current_price"],
            paid_price={"type": "number", "exclusiveMinimum": 0, "title": "Price paid",
                        "x-title-zh-hans": "实付价格"},
            current_price={"type": "number", "exclusiveMinimum": 0, "title": "Current price",
                           "x-title-zh-hans": "当前价格"})),
    ("prize_claim", "Prize/gift claim", "赠品/奖品领取",
     schema(["size", "colour"], size=SIZE | {"title": "Size", "x-title-zh-hans": "尺码"},
            colour=COLOUR | {"title": "Colour", "x-title-zh-hans": "颜色"},
            address_confirmed={"type": "boolean", "title": "Address confirmed",
                               "x-title-zh-hans": "确认收货地址"})),
    ("urge_shipment", "Urge shipment", "催发货", schema([])),
    ("complaint", "Complaint", "投诉", schema(["details"], details=REASON | {
        "title": "Details", "x-title-zh-hans": "详情"})),
    ("other", "Other", "其他", schema([])),
]


def seed(apps, schema_editor):
    TicketCategory = apps.get_model("tickets", "TicketCategory")
    for position, (code, name_en, name_zh, form_schema) in enumerate(CATEGORIES):
        TicketCategory.objects.update_or_create(
            code=code,
            defaults={"name_en": name_en, "name_zh_hans": name_zh, "form_schema": form_schema,
                      "position": position},
        )


def unseed(apps, schema_editor):
    TicketCategory = apps.get_model("tickets", "TicketCategory")
    TicketCategory.objects.filter(code__in=[c[0] for c in CATEGORIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
