"""Building upload files for the tests."""

from __future__ import annotations

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

HEADER = [
    "category",
    "order_number",
    "buyer_name",
    "buyer_phone",
    "new_size",
    "new_colour",
    "new_address.province",
    "new_address.city",
    "new_address.district",
    "new_address.detail",
    "reason",
    "brand",
]


def size_row(n: int, size: str = "42", colour: str = "black") -> list[str]:
    return [
        "size_colour_change",
        f"DY{n:010d}",
        "张三丰",
        "13812345678",
        size,
        colour,
        "",
        "",
        "",
        "",
        "",
        "north-peak",
    ]


def address_row(n: int) -> list[str]:
    return [
        "address_change",
        f"DY{n:010d}",
        "李四",
        "13900001234",
        "",
        "",
        "浙江省",
        "杭州市",
        "西湖区",
        f"文三路 {n} 号",
        "",
        "",
    ]


def exchange_row(n: int) -> list[str]:
    return [
        "exchange",
        f"DY{n:010d}",
        "王五",
        "13700005678",
        "43",
        "white",
        "",
        "",
        "",
        "",
        "Too small",
        "north-peak",
    ]


def csv_upload(rows: list[list[str]], name: str = "requests.csv") -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode("utf-8-sig"), "text/csv")


def xlsx_upload(rows: list[list[str]], name: str = "requests.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), "application/octet-stream")
