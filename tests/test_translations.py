"""The one catalogue in locale/: Simplified Chinese is complete, compiled, keeps every
placeholder, and the pages speak the language the browser asks for (Chinese by default)."""

from __future__ import annotations

import ast
import gettext
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import make_ticket

ZH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
DOMAINS = ["django", "djangojs"]
PLACEHOLDER = re.compile(r"%\([^)]+\)[sd]|%[sd]|\{[a-z_]*\}")


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False


def _po_entries(path: Path) -> list[Entry]:
    """Live entries of a .po file (no header, no obsolete ones); enough of the format for our
    catalogue, so the test needs no gettext tools."""
    entries: list[Entry] = []
    entry = Entry()
    target: str | int = ""  # the keyword being read, or the msgstr's plural index

    def append(text: str) -> None:
        if isinstance(target, int):
            entry.msgstr[target] = entry.msgstr.get(target, "") + text
        else:
            setattr(entry, target, (getattr(entry, target) or "") + text)

    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry.msgid:  # the header's msgid is empty
                entries.append(entry)
            entry = Entry()
        elif line.startswith("#,"):
            entry.fuzzy = entry.fuzzy or "fuzzy" in line
        elif line.startswith("#"):
            continue  # comments, references and obsolete (#~) entries
        elif line.startswith('"'):
            append(ast.literal_eval(line))
        else:
            keyword, _space, literal = line.partition(" ")
            plural = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
            target = int(plural.group(1) or 0) if plural else keyword
            append(ast.literal_eval(literal))
    return entries


@pytest.mark.parametrize("domain", DOMAINS)
def test_chinese_catalogue_is_complete_and_not_fuzzy(domain):
    entries = _po_entries(ZH / f"{domain}.po")
    assert entries
    untranslated = [e.msgid for e in entries if not all(e.msgstr.values()) or not e.msgstr]
    fuzzy = [e.msgid for e in entries if e.fuzzy]
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_their_placeholders(domain):
    wrong = [
        (e.msgid, text)
        for e in _po_entries(ZH / f"{domain}.po")
        for text in e.msgstr.values()
        if sorted(PLACEHOLDER.findall(e.msgid)) != sorted(PLACEHOLDER.findall(text))
    ]
    assert wrong == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_compiled_catalogue_matches_the_po(domain):
    """The .mo files are committed (running needs no gettext): they must not lag the .po."""
    with open(ZH / f"{domain}.mo", "rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    stale = []
    for e in _po_entries(ZH / f"{domain}.po"):
        if e.msgid_plural:
            got = compiled.ngettext(e.msgid, e.msgid_plural, 1)
        elif e.msgctxt is not None:
            got = compiled.pgettext(e.msgctxt, e.msgid)
        else:
            got = compiled.gettext(e.msgid)
        if got != e.msgstr[0]:
            stale.append(e.msgid)
    assert stale == []


LOGIN = "/portal/login/"
SUBMIT = "/r/lucy-live/size_colour_change"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        ("zh-CN", ["登录 Collab", "用户名", "密码"], ["Sign in to Collab"]),
        ("en", ["Sign in to Collab", "Username", "Password"], ["登录 Collab"]),
    ],
)
def test_login_page_speaks_the_asked_language(client, language, expected, absent):
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert all(text in page for text in expected)
    assert not any(text in page for text in absent)


def test_chinese_is_the_default(client, db):
    assert "登录 Collab" in client.get(LOGIN).content.decode()


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", ["售后服务", "手机号", "提交", "新尺码"]),
        ("en", ["After-sales service", "Mobile phone", "Submit"]),
    ],
)
def test_buyer_form_speaks_the_asked_language(client, cast, language, expected):
    page = client.get(SUBMIT, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert all(text in page for text in expected)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", ["我们已收到您的申请。", "处理进度", "已提交"]),
        ("en", ["We received your request.", "Updates", "Submitted"]),
    ],
)
def test_buyer_progress_speaks_the_asked_language(client, cast, language, expected):
    _ticket, token = make_ticket(cast)
    page = client.get(f"/t/{token}", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert all(text in page for text in expected)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-CN", ["收件箱", "分派台", "批量任务", "处理中"]),
        ("en", ["Inbox", "Triage console", "Bulk jobs", "In progress"]),
    ],
)
def test_portal_speaks_the_asked_language(client, cast, language, expected):
    client.force_login(cast.user("lucy-live", "admin"))
    page = client.get("/portal/bulk/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert all(text in page for text in expected)


@pytest.mark.parametrize(("language", "overdue"), [("zh-CN", json.dumps("已超时")), ("en", None)])
def test_scripts_get_their_texts_from_the_javascript_catalogue(client, db, language, overdue):
    catalogue = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "django.gettext" in catalogue
    if overdue:
        assert overdue in catalogue  # JSON escapes non-ASCII as \uXXXX, like the view
    else:
        assert '"overdue":' not in catalogue  # English is the source: nothing to look up
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert 'src="/jsi18n/"' in page
