"""Senders: how a notification leaves Gongzhi besides the in-app inbox (ADR 0010).

A sender sends one message to one address and says how it failed: it raises
:class:`DeliveryError` (``retryable`` or not, with a short reason) and never swallows a
failure, so that the delivery log (``core.deliveries``) records it and tries again what
may pass later. ``GONGZHI_NOTIFICATION_SENDERS`` names an installation's senders, at most
one a channel:

* :class:`LogSender` (the development default): the message to the log, phone masked;
* :class:`SmsSender`: a text message through a gateway, ``GONGZHI_SMS_GATEWAY``:
  ``http`` (JSON to an intranet SMS gateway with a token header) or ``aliyun`` (Alibaba
  Cloud SMS ``SendSms``, signed with the RPC-style HMAC-SHA1 signature);
* :class:`WeComSender`: a WeChat Work (企业微信) application message to the user's
  WeCom account (``accounts.User.wecom_userid``);
* :class:`WebhookSender`: JSON to an intranet gateway, signed with HMAC-SHA256 over a
  timestamp and the body;
* :class:`EmailSender`: an e-mail through Django's e-mail backend.

HTTP goes through the standard library (``urllib.request``, no redirects followed) with
a short timeout. A reason never holds an address, a token or a secret (:func:`clean`).
"""

import base64
import hashlib
import hmac
import http.client
import json
import logging
import re
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import make_msgid
from functools import lru_cache
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import pii

logger = logging.getLogger(__name__)
# Where the platform's notifications were always logged (demo loads quiet this logger).
notification_log = logging.getLogger("gongzhi.core.notifications")

# Which of a person's addresses a sender needs.
PHONE, EMAIL, WECOM = "phone", "email", "wecom"
MAX_ANSWER = 64 * 1024  # bytes of a provider's answer read, at most


class DeliveryError(Exception):
    """A send that failed. ``retryable``: the same message may go through later (a
    timeout, a refused connection, HTTP 5xx, the provider's throttling); otherwise it
    never will as it is (HTTP 4xx, an invalid number or account, a refused signature).
    ``reason`` is short and holds no address, token or secret."""

    def __init__(self, retryable: bool, reason: str) -> None:
        self.retryable = retryable
        self.reason = clean(reason)
        super().__init__(self.reason)


@dataclass(frozen=True)
class Outgoing:
    """One message to one address, as a sender gets it (the address in clear, for the
    sender only: never log it)."""

    id: int  # the delivery's id: a gateway may drop a message it has already had
    address: str
    title: str
    body: str = ""
    link: str = ""
    user_id: int | None = None

    @property
    def url(self) -> str:
        return absolute(self.link)

    @property
    def text(self) -> str:
        return "\n".join(part for part in (self.title, self.body) if part)


class Sender(Protocol):
    """What ``GONGZHI_NOTIFICATION_SENDERS`` names: a class whose instances send."""

    channel: ClassVar[str]  # a core.models.Channel value, one sender each
    address: ClassVar[str]  # PHONE, EMAIL or WECOM: which of a person's addresses it uses
    address_required: ClassVar[bool]  # False: it sends without one (the log, a gateway)

    def send(self, message: Outgoing) -> str:
        """Send; return the provider's message id ("" when it gives none). Raise
        :class:`DeliveryError` on failure."""
        ...


@lru_cache(maxsize=1)
def configured() -> dict[str, Sender]:
    """The installation's senders by channel (``GONGZHI_NOTIFICATION_SENDERS``)."""
    found: dict[str, Sender] = {}
    for path in settings.GONGZHI_NOTIFICATION_SENDERS:
        sender: Sender = import_string(path)()
        if sender.channel in found:
            raise ImproperlyConfigured(
                f"GONGZHI_NOTIFICATION_SENDERS names two senders of channel {sender.channel!r}"
            )
        found[sender.channel] = sender
    return found


def on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    """Tests and `override_settings`: senders read their settings when made."""
    if setting.startswith(("GONGZHI_", "EMAIL_", "DEFAULT_FROM_EMAIL")):
        configured.cache_clear()


def absolute(link: str) -> str:
    """``link`` as an absolute URL of the site (``GONGZHI_SITE_URL``); "" without it."""
    if link.startswith(("http://", "https://")):
        return link
    site: str = settings.GONGZHI_SITE_URL
    return site.rstrip("/") + link if site and link.startswith("/") else ""


_DIGITS = re.compile(r"\d{7,}")  # a phone number, an ID number, a provider's request id
_SECRETS = re.compile(r"(access_token|corpsecret|token|secret|signature)=[^&\s]*", re.I)


def clean(text: object, limit: int = 200) -> str:
    """A reason fit for the delivery log: one line, short, without numbers that could be
    a phone and without anything that looks like a credential."""
    line = " ".join(str(text).split())
    line = _SECRETS.sub(lambda m: m.group(1) + "=…", line)
    return _DIGITS.sub("…", line)[:limit]


# --- HTTP -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A provider never redirects; following one would carry the token header elsewhere."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def request(
    method: str, url: str, *, data: bytes | None = None, headers: Mapping[str, str], timeout: float
) -> Answer:
    """One HTTP exchange. Any HTTP status is an :class:`Answer`; no answer (a timeout, a
    refused or reset connection) is a retryable :class:`DeliveryError`."""
    if not url.startswith(("http://", "https://")):
        raise DeliveryError(False, _("发送地址未配置"))
    call = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
    try:
        with _opener.open(call, timeout=timeout) as response:
            return Answer(response.status, response.read(MAX_ANSWER))
    except urllib.error.HTTPError as exc:
        try:
            body = exc.read(MAX_ANSWER)
        except (OSError, http.client.HTTPException):
            body = b""
        return Answer(exc.code, body)
    except urllib.error.URLError as exc:
        raise _network_error(exc.reason) from None
    except (OSError, http.client.HTTPException) as exc:
        raise _network_error(exc) from None


def _network_error(cause: object) -> DeliveryError:
    """No answer: retryable, named by its first cause (smtplib reports a timeout as a
    disconnection raised while handling it)."""
    seen: object = cause
    while isinstance(seen, BaseException):
        if isinstance(seen, TimeoutError):
            return DeliveryError(True, _("连接超时"))
        if isinstance(seen, ConnectionRefusedError):
            return DeliveryError(True, _("连接被拒绝"))
        seen = seen.__cause__ or seen.__context__
    return DeliveryError(True, _("网络错误：%(e)s") % {"e": type(cause).__name__})


def status_error(answer: Answer, detail: object = "") -> DeliveryError | None:
    """The failure an HTTP status means, or None for 2xx: 5xx, 408 and 429 may pass
    later; any other status will not."""
    if 200 <= answer.status < 300:
        return None
    retryable = answer.status >= 500 or answer.status in (408, 429)
    return DeliveryError(retryable, f"HTTP {answer.status} {detail}".strip())


def _timeout(value: float | None) -> float:
    return float(value if value is not None else settings.GONGZHI_SENDER_TIMEOUT)


# --- The log -------------------------------------------------------------------------------


class LogSender:
    """Development sender: writes the message to the log (phone masked)."""

    channel: ClassVar[str] = "log"
    address: ClassVar[str] = PHONE
    address_required: ClassVar[bool] = False

    def send(self, message: Outgoing) -> str:
        to = pii.mask_phone(message.address) or (
            f"user {message.user_id}" if message.user_id else "-"
        )
        notification_log.info("notification #%s to %s: %s", message.id, to, message.title)
        return ""


# --- SMS -------------------------------------------------------------------------------------


class SmsGateway(Protocol):
    def send(self, message: Outgoing, timeout: float) -> str: ...

    def problems(self) -> list[str]: ...


class HttpSmsGateway:
    """An intranet SMS gateway: ``POST GONGZHI_SMS_URL`` with JSON ``{"id", "phone",
    "content"}`` and the header ``GONGZHI_SMS_TOKEN_HEADER: GONGZHI_SMS_TOKEN``. A 2xx
    answer is sent (its JSON ``id`` or ``message_id``, if any, is the provider's id); 5xx,
    408 and 429 are tried again; other statuses fail (JSON ``error`` is the reason)."""

    def __init__(
        self, url: str | None = None, token: str | None = None, header: str | None = None
    ) -> None:
        self.url = url if url is not None else settings.GONGZHI_SMS_URL
        self.token = token if token is not None else settings.GONGZHI_SMS_TOKEN
        self.header = header or settings.GONGZHI_SMS_TOKEN_HEADER

    def problems(self) -> list[str]:
        return [] if self.url else ["GONGZHI_SMS_URL is not set"]

    def send(self, message: Outgoing, timeout: float) -> str:
        payload = {"id": message.id, "phone": message.address, "content": message.text}
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if self.token:
            headers[self.header] = self.token
        data = json.dumps(payload, ensure_ascii=False).encode()
        answer = request("POST", self.url, data=data, headers=headers, timeout=timeout)
        reply = answer.json()
        if failure := status_error(answer, reply.get("error") or reply.get("message") or ""):
            raise failure
        return str(reply.get("id") or reply.get("message_id") or "")[:100]


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Alibaba Cloud signs it: only ``A-Z a-z 0-9 - _ . ~`` stay,
    UTF-8 bytes become ``%XY``, a space ``%20`` (never ``+``), ``*`` ``%2A``."""
    return urllib.parse.quote(value, safe="-_.~")


def aliyun_signature(params: Mapping[str, str], secret: str, method: str = "POST") -> str:
    """The signature of an Alibaba Cloud RPC-style request (signature version 1.0):
    Base64(HMAC-SHA1(secret + "&", method & %2F & encode(canonical query))), the canonical
    query being the parameters (all but ``Signature``) sorted by name, each name and value
    percent-encoded and joined with ``=`` and ``&``."""
    canonical = "&".join(
        f"{percent_encode(name)}={percent_encode(value)}" for name, value in sorted(params.items())
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSmsGateway:
    """Alibaba Cloud SMS (阿里云短信服务) ``SendSms``, API version 2017-05-25: a POST of the
    signed parameters to ``GONGZHI_SMS_URL`` (default ``https://dysmsapi.aliyuncs.com/``;
    in the body, not the URL, so that no proxy logs the number). The template
    (``GONGZHI_SMS_TEMPLATE_CODE``, approved with ``GONGZHI_SMS_SIGN_NAME``) has one
    variable, ``GONGZHI_SMS_TEMPLATE_VARIABLE`` (``content``), which gets the title."""

    ENDPOINT = "https://dysmsapi.aliyuncs.com/"
    # Codes that may pass later: throttling, the provider's own trouble, an account that
    # ran out of credit (an operator can top it up within the retry window).
    RETRYABLE = frozenset(
        {
            "isv.BUSINESS_LIMIT_CONTROL",
            "isv.DAY_LIMIT_CONTROL",
            "isv.OUT_OF_SERVICE",
            "isv.AMOUNT_NOT_ENOUGH",
            "isp.SYSTEM_ERROR",
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
            "ServiceUnavailable",
            "InternalError",
        }
    )

    def __init__(
        self,
        url: str | None = None,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        sign_name: str | None = None,
        template_code: str | None = None,
        variable: str | None = None,
        region: str | None = None,
    ) -> None:
        self.url = url if url is not None else (settings.GONGZHI_SMS_URL or self.ENDPOINT)
        self.access_key_id = access_key_id or settings.GONGZHI_SMS_ACCESS_KEY_ID
        self.access_key_secret = access_key_secret or settings.GONGZHI_SMS_ACCESS_KEY_SECRET
        self.sign_name = sign_name or settings.GONGZHI_SMS_SIGN_NAME
        self.template_code = template_code or settings.GONGZHI_SMS_TEMPLATE_CODE
        self.variable = variable or settings.GONGZHI_SMS_TEMPLATE_VARIABLE
        self.region = region or settings.GONGZHI_SMS_REGION

    def problems(self) -> list[str]:
        needed = {
            "GONGZHI_SMS_ACCESS_KEY_ID": self.access_key_id,
            "GONGZHI_SMS_ACCESS_KEY_SECRET": self.access_key_secret,
            "GONGZHI_SMS_SIGN_NAME": self.sign_name,
            "GONGZHI_SMS_TEMPLATE_CODE": self.template_code,
        }
        return [f"{name} is not set" for name, value in needed.items() if not value]

    def params(self, message: Outgoing) -> dict[str, str]:
        """The request's parameters before signing (a fresh nonce and the time)."""
        return {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": str(message.id),
            "PhoneNumbers": message.address,
            "RegionId": self.region,
            "SignName": self.sign_name,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": self.template_code,
            "TemplateParam": json.dumps(
                {self.variable: message.title}, ensure_ascii=False, separators=(",", ":")
            ),
            "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "Version": "2017-05-25",
        }

    def send(self, message: Outgoing, timeout: float) -> str:
        params = self.params(message)
        params["Signature"] = aliyun_signature(params, self.access_key_secret, "POST")
        data = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        answer = request("POST", self.url, data=data, headers=headers, timeout=timeout)
        reply = answer.json()
        code = str(reply.get("Code") or "")
        if code == "OK" and answer.status == 200:
            return str(reply.get("BizId") or "")[:100]
        if code:
            retryable = code in self.RETRYABLE or answer.status >= 500
            raise DeliveryError(retryable, f"{code} {reply.get('Message') or ''}")
        raise status_error(answer) or DeliveryError(False, _("服务商应答无法识别"))


SMS_GATEWAYS: dict[str, type[HttpSmsGateway] | type[AliyunSmsGateway]] = {
    "http": HttpSmsGateway,
    "aliyun": AliyunSmsGateway,
}


class SmsSender:
    """Text messages to a person's phone through ``GONGZHI_SMS_GATEWAY``. The delivery log
    keeps each phone within the rate limits (``core.sms.per_*`` parameters)."""

    channel: ClassVar[str] = "sms"
    address: ClassVar[str] = PHONE
    address_required: ClassVar[bool] = True

    def __init__(self, gateway: SmsGateway | None = None, timeout: float | None = None) -> None:
        if gateway is None:
            name = settings.GONGZHI_SMS_GATEWAY
            if name not in SMS_GATEWAYS:
                raise ImproperlyConfigured(
                    f"GONGZHI_SMS_GATEWAY must be one of {', '.join(SMS_GATEWAYS)}, not {name!r}"
                )
            gateway = SMS_GATEWAYS[name]()
        self.gateway = gateway
        self.timeout = _timeout(timeout)

    def problems(self) -> list[str]:
        return self.gateway.problems()

    def send(self, message: Outgoing) -> str:
        return self.gateway.send(message, self.timeout)


# --- WeChat Work ------------------------------------------------------------------------


class WeComSender:
    """A WeChat Work (企业微信) application message to the person's WeCom account: a text
    card with a button to the page when ``GONGZHI_SITE_URL`` makes the link absolute,
    plain text otherwise.

    The access token (``gettoken`` with ``GONGZHI_WECOM_CORP_ID`` and
    ``GONGZHI_WECOM_SECRET``) is kept in the shared cache, for every process, until
    ``TOKEN_MARGIN`` seconds before it expires; a message refused for an invalid or expired
    token (errcode 40014, 42001) fetches a new one and is sent again, once."""

    channel: ClassVar[str] = "wecom"
    address: ClassVar[str] = WECOM
    address_required: ClassVar[bool] = True

    URL = "https://qyapi.weixin.qq.com"
    TOKEN_MARGIN = 300
    STALE_TOKEN = frozenset({40014, 42001})
    # -1 system busy, 6000 data version conflict, 45009 / 45033 call frequency and
    # concurrency limits: WeCom asks to try again later.
    RETRYABLE = frozenset({-1, 6000, 45009, 45033})

    def __init__(
        self,
        url: str | None = None,
        corp_id: str | None = None,
        secret: str | None = None,
        agent_id: str | int | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = (url or settings.GONGZHI_WECOM_URL or self.URL).rstrip("/")
        self.corp_id = corp_id or settings.GONGZHI_WECOM_CORP_ID
        self.secret = secret or settings.GONGZHI_WECOM_SECRET
        self.agent_id = str(agent_id or settings.GONGZHI_WECOM_AGENT_ID)
        self.timeout = _timeout(timeout)
        fingerprint = hashlib.sha256(f"{self.url} {self.corp_id} {self.secret}".encode())
        self.cache_key = f"gongzhi:wecom:token:{fingerprint.hexdigest()[:24]}"

    def problems(self) -> list[str]:
        needed = {
            "GONGZHI_WECOM_CORP_ID": self.corp_id,
            "GONGZHI_WECOM_SECRET": self.secret,
            "GONGZHI_WECOM_AGENT_ID": self.agent_id,
        }
        problems = [f"{name} is not set" for name, value in needed.items() if not value]
        if self.agent_id and not self.agent_id.isdigit():
            problems.append("GONGZHI_WECOM_AGENT_ID must be a number")
        return problems

    def send(self, message: Outgoing) -> str:
        payload = json.dumps(self.payload(message), ensure_ascii=False).encode()
        reply = self._post(self.token(), payload)
        if reply.get("errcode") in self.STALE_TOKEN:
            caches["shared"].delete(self.cache_key)
            reply = self._post(self.token(), payload)
        return self._result(reply)

    def payload(self, message: Outgoing) -> dict[str, Any]:
        base: dict[str, Any] = {"touser": message.address, "agentid": int(self.agent_id or 0)}
        if message.url:
            card = {
                "title": message.title[:128],
                "description": (message.body or message.title)[:512],
                "url": message.url,
                "btntxt": _("详情"),
            }
            return {**base, "msgtype": "textcard", "textcard": card}
        return {**base, "msgtype": "text", "text": {"content": message.text}}

    def token(self) -> str:
        cache = caches["shared"]
        kept = cache.get(self.cache_key)
        # (token, until): the deadline is this process's clock, not the cache's (Redis
        # counts its own TTL), so that every cache backend renews at the same moment.
        if isinstance(kept, list | tuple) and len(kept) == 2 and time.time() < kept[1]:
            return str(kept[0])
        query = urllib.parse.urlencode({"corpid": self.corp_id, "corpsecret": self.secret})
        answer = request(
            "GET", f"{self.url}/cgi-bin/gettoken?{query}", headers={}, timeout=self.timeout
        )
        if failure := status_error(answer):
            raise failure
        reply = answer.json()
        errcode = reply.get("errcode", 0)
        token = reply.get("access_token")
        if errcode or not token:
            raise DeliveryError(
                errcode in self.RETRYABLE,
                _("企业微信获取凭证失败：%(e)s") % {"e": self._error(reply)},
            )
        expires_in = int(reply.get("expires_in") or 7200)
        keep = (
            expires_in - self.TOKEN_MARGIN
            if expires_in > 2 * self.TOKEN_MARGIN
            else expires_in // 2
        )
        keep = max(keep, 1)
        cache.set(self.cache_key, (str(token), time.time() + keep), timeout=keep)
        return str(token)

    def _post(self, token: str, payload: bytes) -> dict[str, Any]:
        url = f"{self.url}/cgi-bin/message/send?access_token={urllib.parse.quote(token)}"
        headers = {"Content-Type": "application/json; charset=utf-8"}
        answer = request("POST", url, data=payload, headers=headers, timeout=self.timeout)
        if failure := status_error(answer):
            raise failure
        reply = answer.json()
        if "errcode" not in reply:
            raise DeliveryError(False, _("服务商应答无法识别"))
        return reply

    def _result(self, reply: dict[str, Any]) -> str:
        errcode = reply.get("errcode")
        if errcode != 0:
            raise DeliveryError(errcode in self.RETRYABLE, self._error(reply))
        if reply.get("invaliduser"):  # sent to the others: here, to nobody
            raise DeliveryError(False, _("企业微信账号无效或不在应用可见范围内"))
        return str(reply.get("msgid") or "")[:100]

    @staticmethod
    def _error(reply: dict[str, Any]) -> str:
        # errmsg goes on with ", hint: [...], from ip: ..., more info at ...".
        message = str(reply.get("errmsg") or "").split(",")[0]
        return f"errcode {reply.get('errcode')} {message}"


# --- Webhook ---------------------------------------------------------------------------------

TIMESTAMP_HEADER = "X-Gongzhi-Timestamp"
SIGNATURE_HEADER = "X-Gongzhi-Signature"
DELIVERY_HEADER = "X-Gongzhi-Delivery"
WEBHOOK_TOLERANCE = 300  # seconds a receiver accepts a timestamp away from its clock


def sign_webhook(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256, keyed with the shared secret, of the timestamp,
    a dot and the body, as sent in ``X-Gongzhi-Signature``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_webhook(
    secret: str,
    timestamp: str,
    signature: str,
    body: bytes,
    *,
    now: float | None = None,
    tolerance: int = WEBHOOK_TOLERANCE,
) -> bool:
    """What a receiving gateway checks (docs/deploy.md): the signature, and a timestamp
    within ``tolerance`` of its clock, so that a captured request cannot be replayed
    later; within that window it drops a ``X-Gongzhi-Delivery`` id it has already had."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign_webhook(secret, timestamp, body), signature)


class WebhookSender:
    """Posts the message as JSON to ``GONGZHI_WEBHOOK_URL`` (an intranet gateway that
    relays to SMS or WeChat Work): ``{"id", "title", "body", "link", "phone", "user_id"}``
    with ``X-Gongzhi-Timestamp`` (Unix seconds), ``X-Gongzhi-Signature``
    (:func:`sign_webhook` with ``GONGZHI_WEBHOOK_SECRET``) and ``X-Gongzhi-Delivery`` (the
    delivery's id: the same message tried again carries the same id). 2xx is sent; 5xx,
    408 and 429 are tried again; other statuses fail. Without a secret nothing is sent."""

    channel: ClassVar[str] = "webhook"
    address: ClassVar[str] = PHONE
    address_required: ClassVar[bool] = False

    def __init__(
        self, url: str | None = None, secret: str | None = None, timeout: float | None = None
    ) -> None:
        self.url = url if url is not None else settings.GONGZHI_WEBHOOK_URL
        self.secret = secret if secret is not None else settings.GONGZHI_WEBHOOK_SECRET
        self.timeout = _timeout(timeout)

    def problems(self) -> list[str]:
        needed = {"GONGZHI_WEBHOOK_URL": self.url, "GONGZHI_WEBHOOK_SECRET": self.secret}
        return [f"{name} is not set" for name, value in needed.items() if not value]

    def send(self, message: Outgoing) -> str:
        if not self.secret:
            raise DeliveryError(False, _("未设置 GONGZHI_WEBHOOK_SECRET，不发送未签名的消息"))
        payload = {
            "id": message.id,
            "title": message.title,
            "body": message.body,
            "link": message.url or message.link,
            "phone": message.address,
            "user_id": message.user_id,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign_webhook(self.secret, timestamp, body),
            DELIVERY_HEADER: str(message.id),
        }
        answer = request("POST", self.url, data=body, headers=headers, timeout=self.timeout)
        if failure := status_error(answer):
            raise failure
        return str(answer.json().get("id") or "")[:100]


# --- E-mail --------------------------------------------------------------------------------


class EmailSender:
    """An e-mail to the user's address through Django's e-mail backend (``EMAIL_*``
    settings, read from ``GONGZHI_EMAIL_*``). The provider's id is the Message-ID."""

    channel: ClassVar[str] = "email"
    address: ClassVar[str] = EMAIL
    address_required: ClassVar[bool] = True

    def __init__(self, timeout: float | None = None) -> None:
        self.timeout = _timeout(timeout)

    def send(self, message: Outgoing) -> str:
        text = "\n\n".join(part for part in (message.body or message.title, message.url) if part)
        host = urllib.parse.urlsplit(settings.GONGZHI_SITE_URL).hostname or "gongzhi.localhost"
        message_id = make_msgid(domain=host)
        email = EmailMessage(
            subject=message.title,
            body=text,
            to=[message.address],
            headers={"Message-ID": message_id},
            connection=get_connection(timeout=self.timeout),
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            retryable = bool(codes) and all(400 <= code < 500 for code in codes)
            code = codes[0] if codes else ""
            raise DeliveryError(retryable, _("收件人被拒绝（SMTP %(c)s）") % {"c": code}) from None
        except smtplib.SMTPResponseException as exc:
            retryable = 400 <= exc.smtp_code < 500
            raise DeliveryError(retryable, f"SMTP {exc.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise _network_error(exc) from None
        return message_id[:100]
