"""Group robots of the chat tools teams work in: DingTalk, WeCom (企业微信) and Feishu/Lark.

A robot is a ``WebhookEndpoint`` of a robot kind. Its outbox rows are the same party payloads as
an integrator's (``integrations.outbox``: the event and the ticket as the endpoint's
party sees them, buyer data masked), so a robot never carries more than its party may see, and
the outbox write on the hot path costs nothing extra. At send time (``integrations.delivery``)
the payload becomes a short translated message in the tool's own format and signing, with the
same claim, retry and backoff as every webhook.

The vendors' formats, as documented by each (checked against their docs and published samples):

* DingTalk custom robot (open.dingtalk.com, "自定义机器人安全设置 / 加签"): POST JSON
  ``{"msgtype": "markdown", "markdown": {"title", "text"}}`` to the robot URL (which carries
  ``access_token``). With signing ("加签", secret ``SEC…``): ``timestamp`` in milliseconds and
  ``sign`` = urlencode(base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))) are
  added as query parameters. The answer is HTTP 200 with ``{"errcode": 0, "errmsg": "ok"}``;
  a non-zero ``errcode`` (e.g. 310000, signature mismatch) means the message was not posted.
* Feishu/Lark custom bot (open.feishu.cn, "自定义机器人使用指南 / 签名校验"): POST JSON
  ``{"msg_type": "interactive", "card": {...}}``; with signing, the body also carries
  ``timestamp`` (seconds, a string) and ``sign`` = base64(HMAC-SHA256(key=f"{timestamp}\\n
  {secret}", msg=b"")). Answer: HTTP 200 with ``{"code": 0, "msg": "success"}`` (older bots:
  ``StatusCode``); a non-zero code (e.g. 19021, bad signature) is a failure.
* WeCom group robot (developer.work.weixin.qq.com, "群机器人配置说明"): POST JSON
  ``{"msgtype": "markdown", "markdown": {"content"}}`` to ``…/webhook/send?key=…``; the key in
  the URL is the only credential, there is no signing. Answer ``{"errcode": 0, "errmsg": "ok"}``.

A non-zero code in a 200 answer is treated as a failed attempt and retried like an HTTP error.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from .models import EndpointKind, WebhookEndpoint

# What a robot sends when its event types are left empty: the alerts a team wants in its chat
# group, not every comment and assignment of a busy party.
ROBOT_DEFAULT_EVENT_TYPES = [
    "ticket.routed",
    "ticket.escalated",
    "ticket.reopened",
    "sla.warning",
    "sla.breached",
    "ticket.buyer_replied",
]
ANSWER_LIMIT = 64 * 1024


class RobotSettingsInvalid(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def robot_settings_clean(
    kind: str, secret: str | None, event_types: list[str] | None
) -> tuple[str | None, list[str] | None]:
    """The one rule for a robot's settings, for the API and the portal form: WeCom robots do
    not sign, DingTalk/Feishu ones may (``secret``: None keeps the stored one); an empty list of
    event types means the alert set. Returns (secret, event types) or raises
    ``RobotSettingsInvalid``."""
    if kind == EndpointKind.STANDARD:
        if secret:
            raise RobotSettingsInvalid(
                "robot_secret", _("Standard endpoints get a generated secret.")
            )
        return None, event_types
    if secret and kind == EndpointKind.WECOM:
        raise RobotSettingsInvalid(
            "robot_secret", _("WeCom robots do not sign; the key is in the URL.")
        )
    if event_types is not None and not event_types:
        event_types = list(ROBOT_DEFAULT_EVENT_TYPES)
    return secret, event_types


def robot_event_choices() -> list[tuple[str, str]]:
    """Event kinds a robot may announce, with their translated names (for the portal form)."""
    return list(_titles().items())


def _titles() -> dict[str, str]:
    return {
        "ticket.created": _("New ticket"),
        "ticket.routed": _("Ticket routed"),
        "ticket.accepted": _("Ticket accepted"),
        "ticket.declined": _("Ticket declined"),
        "ticket.info_requested": _("Buyer asked for information"),
        "ticket.buyer_replied": _("The buyer replied"),
        "ticket.resolved": _("Ticket resolved"),
        "ticket.reopened": _("Ticket reopened"),
        "ticket.closed": _("Ticket closed"),
        "ticket.escalated": _("Escalated to the platform"),
        "ticket.cancelled": _("Ticket cancelled"),
        "ticket.assigned": _("Ticket assigned"),
        "sla.warning": _("SLA warning: the deadline is near"),
        "sla.breached": _("SLA breached"),
        "comment.added": _("New message"),
    }


def _detail(kind: str, data: dict) -> str:
    """The one fact of the event worth a line (a reason, a question, the buyer's answer)."""
    if kind == "ticket.routed":
        return (data.get("to_party") or {}).get("name", "")
    for key in ("reason", "question", "answer", "body"):
        if data.get(key):
            return str(data[key])[:300]
    return ""


@dataclass(frozen=True)
class RobotMessage:
    title: str
    lines: list[str]
    link: str

    @property
    def markdown(self) -> str:
        body = "\n".join(f"- {line}" for line in self.lines)
        return f"### {self.title}\n{body}\n\n[{_('Open in Collab')}]({self.link})"

    @property
    def text(self) -> str:
        return "\n".join([f"【Collab】{self.title}", *self.lines, self.link])


def robot_message(payload: dict, language: str = "") -> RobotMessage:
    """The translated message for one outbox payload (already masked for the robot's party)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        event = payload["data"]["event"]
        ticket = payload["data"]["ticket"]
        kind = payload["type"]
        title = _titles().get(kind, kind)
        lines = [f"{ticket['reference']} · {ticket['subject']}"]
        detail = _detail(kind, event.get("data") or {})
        if detail:
            lines.append(detail)
        if ticket.get("custody"):
            lines.append(_("Held by: %(party)s") % {"party": ticket["custody"]["name"]})
        if ticket.get("buyer", {}).get("name"):
            lines.append(_("Buyer: %(name)s") % {"name": ticket["buyer"]["name"]})
        if ticket.get("resolve_by"):
            lines.append(_("Due: %(time)s") % {"time": ticket["resolve_by"][:16].replace("T", " ")})
        link = f"{settings.COLLAB_PUBLIC_BASE_URL}/portal/t/{ticket['reference']}/"
        return RobotMessage(str(title), lines, link)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote_plus)))


def robot_request(endpoint: WebhookEndpoint, payload: dict, now: float) -> tuple[str, bytes]:
    """The URL and JSON body to POST for this robot at time ``now`` (signatures are timed)."""
    message = robot_message(payload, endpoint.language)
    url = endpoint.url
    if endpoint.kind == EndpointKind.DINGTALK:
        body: dict = {
            "msgtype": "markdown",
            "markdown": {"title": message.title, "text": message.markdown},
        }
        if endpoint.secret:
            timestamp = int(now * 1000)
            sign = dingtalk_sign(endpoint.secret, timestamp)
            url = _with_query(url, {"timestamp": str(timestamp), "sign": sign})
    elif endpoint.kind == EndpointKind.FEISHU:
        body = {
            "msg_type": "interactive",
            "card": {
                "header": {"title": {"tag": "plain_text", "content": message.title}},
                "elements": [
                    {"tag": "markdown", "content": "\n".join(message.lines)},
                    {
                        "tag": "action",
                        "actions": [
                            {
                                "tag": "button",
                                "text": {"tag": "plain_text", "content": _("Open in Collab")},
                                "url": message.link,
                                "type": "primary",
                            }
                        ],
                    },
                ],
            },
        }
        if endpoint.secret:
            timestamp = int(now)
            body = {
                "timestamp": str(timestamp),
                "sign": feishu_sign(endpoint.secret, timestamp),
                **body,
            }
    elif endpoint.kind == EndpointKind.WECOM:
        body = {"msgtype": "markdown", "markdown": {"content": message.markdown}}
    else:
        raise ValueError(f"not a robot endpoint: {endpoint.kind}")
    return url, json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def robot_answer_error(kind: str, answer: bytes) -> str:
    """Why a robot's HTTP 2xx answer still means "not posted" ("" when it was posted): the
    tools answer 200 with an error code in the JSON body."""
    try:
        body = json.loads(answer or b"{}")
    except ValueError:
        return _("The robot's answer is not JSON.")
    if not isinstance(body, dict):
        return _("The robot's answer is not JSON.")
    if kind == EndpointKind.FEISHU:
        code = body.get("code", body.get("StatusCode", 0))
        message = body.get("msg", body.get("StatusMessage", ""))
    else:
        code = body.get("errcode", 0)
        message = body.get("errmsg", "")
    if code in (0, "0", None):
        return ""
    return f"{kind} error {code}: {message}"[:300]
