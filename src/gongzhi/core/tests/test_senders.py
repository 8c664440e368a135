"""The senders against real local servers (core/tests/stubs.py): each one's success, the
provider's error answer, HTTP 500, a timeout and a refused connection; the signatures
(Alibaba Cloud SMS, the webhook) verified by the server on its own; WeCom's token kept
and renewed. Timeouts are short: the server waits longer than the sender does."""

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches

from gongzhi.core import senders
from gongzhi.core.senders import (
    AliyunSmsGateway,
    DeliveryError,
    EmailSender,
    HttpSmsGateway,
    LogSender,
    Outgoing,
    SmsSender,
    WebhookSender,
    WeComSender,
)

from .stubs import HttpStub, Reply, Seen, SmtpStub, closed_port_url

TIMEOUT = 0.3  # the senders' timeout in these tests
SLOW = 3.0  # what a "slow" server waits before answering (released at the test's end)
PHONE = "13912345678"
NOW = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)


@pytest.fixture
def server():
    with HttpStub() as stub:
        yield stub


def message(address=PHONE, **kwargs) -> Outgoing:
    return Outgoing(
        id=kwargs.pop("id", 41),
        address=address,
        title=kwargs.pop("title", "您的诉求（D2026000123）已受理"),
        **kwargs,
    )


def failure(send) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        send()
    return caught.value


# --- The generic SMS gateway ----------------------------------------------------------------


def http_sms(url: str) -> SmsSender:
    gateway = HttpSmsGateway(url=url, token="Bearer s3cret-token", header="Authorization")
    return SmsSender(gateway=gateway, timeout=TIMEOUT)


def test_http_sms_posts_json_with_the_token_header(server):
    server.default = Reply(200, {"message_id": "gw-77"})
    assert http_sms(server.url + "/sms").send(message(body="请留意")) == "gw-77"
    (seen,) = server.seen
    assert (seen.method, seen.path) == ("POST", "/sms")
    assert seen.headers["Authorization"] == "Bearer s3cret-token"
    assert seen.json() == {
        "id": 41,
        "phone": PHONE,
        "content": "您的诉求（D2026000123）已受理\n请留意",
    }


@pytest.mark.parametrize(
    ("reply", "retryable", "reason"),
    [
        (
            Reply(400, {"error": "invalid phone number 13912345678"}),
            False,
            "HTTP 400 invalid phone number …",
        ),
        (Reply(422, {}), False, "HTTP 422"),
        (Reply(429, {"error": "slow down"}), True, "HTTP 429 slow down"),
        (Reply(500, body=b"<html>oops</html>"), True, "HTTP 500"),
        (Reply(503, {}), True, "HTTP 503"),
    ],
)
def test_http_sms_failures_by_status(server, reply, retryable, reason):
    server.default = reply
    error = failure(lambda: http_sms(server.url + "/sms").send(message()))
    assert (error.retryable, error.reason) == (retryable, reason)
    assert PHONE not in error.reason


def test_http_sms_timeout_is_retryable(server):
    server.default = Reply(200, {}, delay=SLOW)
    started = time.monotonic()
    error = failure(lambda: http_sms(server.url + "/sms").send(message()))
    assert (error.retryable, error.reason) == (True, "连接超时")
    assert time.monotonic() - started < SLOW / 2


def test_http_sms_refused_connection_is_retryable():
    error = failure(lambda: http_sms(closed_port_url() + "/sms").send(message()))
    assert (error.retryable, error.reason) == (True, "连接被拒绝")


def test_no_redirect_is_followed(server):
    server.default = Reply(302, {})
    error = failure(lambda: http_sms(server.url + "/sms").send(message()))
    assert (error.retryable, error.reason) == (False, "HTTP 302")
    assert len(server.seen) == 1


# --- Alibaba Cloud SMS ------------------------------------------------------------------------

# The example of Alibaba Cloud's SMS documentation ("HTTP 协议及签名", SendSms with the
# AccessKey pair testId / testSecret): its parameters and the signature it gives.
DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}


def test_aliyun_signature_of_the_documented_example():
    assert (
        senders.aliyun_signature(DOC_PARAMS, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    )


def test_aliyun_percent_encoding_follows_rfc_3986():
    assert senders.percent_encode("a b*c~d-e_f.g+h/i") == "a%20b%2Ac~d-e_f.g%2Bh%2Fi"
    assert senders.percent_encode("阿") == "%E9%98%BF"


def test_aliyun_signature_of_a_post_with_the_method_in_the_string_to_sign():
    """The same parameters POSTed sign "POST&%2F&…": a vector derived from the documented
    one by hand (HMAC-SHA1 keyed "testSecret&", computed independently below)."""
    canonical = "&".join(
        f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(DOC_PARAMS.items())
    )
    string_to_sign = "POST&%2F&" + quote(canonical, safe="~")
    expected = base64.b64encode(
        hmac.new(b"testSecret&", string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    assert senders.aliyun_signature(DOC_PARAMS, "testSecret", "POST") == expected
    assert expected != "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def aliyun_verifier(secret: str):
    """What Alibaba Cloud's endpoint does, written apart from the sender's code: recompute
    the signature of the received form, refuse a mismatch."""

    def check(seen: Seen) -> Reply | None:
        form = seen.form()
        signature = form.pop("Signature", "")
        canonical = "&".join(
            f"{quote(k, safe='~')}={quote(v, safe='~')}" for k, v in sorted(form.items())
        )
        string_to_sign = f"{seen.method}&%2F&{quote(canonical, safe='~')}"
        digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
        if not hmac.compare_digest(base64.b64encode(digest).decode(), signature):
            return Reply(
                400,
                {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched"},
            )
        return None

    return check


def aliyun(url: str, secret: str = "the-secret") -> SmsSender:  # noqa: S107
    gateway = AliyunSmsGateway(
        url=url,
        access_key_id="LTAI-test",
        access_key_secret=secret,
        sign_name="共治平台",
        template_code="SMS_000001",
        variable="content",
        region="cn-hangzhou",
    )
    return SmsSender(gateway=gateway, timeout=TIMEOUT)


@time_machine.travel(NOW, tick=False)
def test_aliyun_send_sms_is_signed_and_the_server_verifies_it(server):
    server.check = aliyun_verifier("the-secret")
    server.default = Reply(
        200,
        {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "F655A8D5"},
    )
    assert aliyun(server.url + "/").send(message(id=7)) == "900619746936498440^0"
    (seen,) = server.seen
    assert seen.method == "POST" and seen.query == {}  # the number in the body, not the URL
    form = seen.form()
    assert form["Action"] == "SendSms" and form["Version"] == "2017-05-25"
    assert form["PhoneNumbers"] == PHONE and form["OutId"] == "7"
    assert form["SignName"] == "共治平台" and form["TemplateCode"] == "SMS_000001"
    assert json.loads(form["TemplateParam"]) == {"content": "您的诉求（D2026000123）已受理"}
    assert form["Timestamp"] == "2026-09-30T02:00:00Z"
    assert form["AccessKeyId"] == "LTAI-test" and form["SignatureMethod"] == "HMAC-SHA1"
    # A fresh nonce each request.
    aliyun(server.url + "/").send(message(id=8))
    assert server.seen[1].form()["SignatureNonce"] != form["SignatureNonce"]


def test_aliyun_wrong_secret_is_refused_by_the_server_for_good(server):
    server.check = aliyun_verifier("the-secret")
    error = failure(lambda: aliyun(server.url + "/", secret="not-the-secret").send(message()))
    assert (error.retryable, error.reason) == (
        False,
        "SignatureDoesNotMatch Specified signature is not matched",
    )


@pytest.mark.parametrize(
    ("reply", "retryable", "reason"),
    [
        (
            Reply(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}),
            False,
            "isv.MOBILE_NUMBER_ILLEGAL 非法手机号",
        ),
        (
            Reply(
                200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
            ),
            True,
            "isv.BUSINESS_LIMIT_CONTROL 触发分钟级流控Permits:1",
        ),
        (
            Reply(
                400,
                {
                    "Code": "Throttling.User",
                    "Message": "Request was denied due to user flow control.",
                },
            ),
            True,
            "Throttling.User Request was denied due to user flow control.",
        ),
        (
            Reply(500, {"Code": "isp.SYSTEM_ERROR", "Message": "isp.SYSTEM_ERROR"}),
            True,
            "isp.SYSTEM_ERROR isp.SYSTEM_ERROR",
        ),
        (Reply(500, body=b"Internal Server Error"), True, "HTTP 500"),
        (Reply(404, body=b"not found"), False, "HTTP 404"),
        (Reply(200, body=b"<xml/>"), False, "服务商应答无法识别"),
    ],
)
def test_aliyun_error_answers(server, reply, retryable, reason):
    server.default = reply
    error = failure(lambda: aliyun(server.url + "/").send(message()))
    assert (error.retryable, error.reason) == (retryable, reason)


def test_aliyun_timeout_and_refused_connection_are_retryable(server):
    server.default = Reply(200, {"Code": "OK"}, delay=SLOW)
    assert failure(lambda: aliyun(server.url + "/").send(message())).retryable
    refused = failure(lambda: aliyun(closed_port_url() + "/").send(message()))
    assert (refused.retryable, refused.reason) == (True, "连接被拒绝")


def test_the_gateway_is_chosen_by_setting(settings):
    settings.GONGZHI_SMS_GATEWAY = "aliyun"
    settings.GONGZHI_SMS_URL = ""
    sender = SmsSender()
    assert isinstance(sender.gateway, AliyunSmsGateway)
    assert sender.gateway.url == "https://dysmsapi.aliyuncs.com/"
    assert sender.problems() == [
        "GONGZHI_SMS_ACCESS_KEY_ID is not set",
        "GONGZHI_SMS_ACCESS_KEY_SECRET is not set",
        "GONGZHI_SMS_SIGN_NAME is not set",
        "GONGZHI_SMS_TEMPLATE_CODE is not set",
    ]
    settings.GONGZHI_SMS_GATEWAY = "http"
    assert isinstance(SmsSender().gateway, HttpSmsGateway)
    settings.GONGZHI_SMS_GATEWAY = "carrier-pigeon"
    with pytest.raises(Exception, match="GONGZHI_SMS_GATEWAY"):
        SmsSender()


# --- WeChat Work ----------------------------------------------------------------------------

TOKEN = "/cgi-bin/gettoken"
SEND = "/cgi-bin/message/send"


def wecom(url: str, settings=None) -> WeComSender:
    return WeComSender(
        url=url, corp_id="ww-corp", secret="corp-secret", agent_id=1000002, timeout=TIMEOUT
    )


def token_reply(token: str, expires_in: int = 7200) -> Reply:
    return Reply(
        200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": expires_in}
    )


def sent_reply(msgid: str = "msg-1") -> Reply:
    return Reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": msgid})


@pytest.fixture
def shared_cache():
    caches["shared"].clear()
    return caches["shared"]


def test_wecom_sends_a_text_with_a_token_it_keeps(server, shared_cache):
    server.reply(TOKEN, token_reply("TOKEN-1"))
    server.reply(SEND, sent_reply("m-1"), sent_reply("m-2"))
    sender = wecom(server.url)
    assert sender.send(message("zhangsan", body="请处理")) == "m-1"
    assert sender.send(message("lisi")) == "m-2"
    assert server.paths() == [TOKEN, SEND, SEND]  # one token for both
    get = server.seen[0]
    assert get.method == "GET" and get.query == {"corpid": "ww-corp", "corpsecret": "corp-secret"}
    first = server.seen[1]
    assert first.query == {"access_token": "TOKEN-1"}
    assert first.json() == {
        "touser": "zhangsan",
        "agentid": 1000002,
        "msgtype": "text",
        "text": {"content": "您的诉求（D2026000123）已受理\n请处理"},
    }


def test_wecom_sends_a_text_card_when_the_link_can_be_absolute(server, shared_cache, settings):
    settings.GONGZHI_SITE_URL = "https://gongzhi.example.gov.cn"
    server.reply(TOKEN, token_reply("TOKEN-1"))
    server.reply(SEND, sent_reply())
    wecom(server.url).send(message("zhangsan", body="请处理", link="/demands/12/"))
    assert server.seen[1].json()["textcard"] == {
        "title": "您的诉求（D2026000123）已受理",
        "description": "请处理",
        "url": "https://gongzhi.example.gov.cn/demands/12/",
        "btntxt": "详情",
    }


def test_wecom_token_is_fetched_again_shortly_before_it_expires(server, shared_cache):
    server.reply(TOKEN, token_reply("TOKEN-1"), token_reply("TOKEN-2"))
    server.default = sent_reply()
    sender = wecom(server.url)
    with time_machine.travel(NOW, tick=False) as clock:
        sender.send(message("zhangsan"))
        clock.move_to(NOW + timedelta(seconds=7200 - 300 - 1))
        sender.send(message("zhangsan"))
        assert server.paths().count(TOKEN) == 1
        clock.move_to(NOW + timedelta(seconds=7200 - 300))
        sender.send(message("zhangsan"))
    assert server.paths().count(TOKEN) == 2
    assert server.seen[-1].query == {"access_token": "TOKEN-2"}


@pytest.mark.parametrize("errcode", [42001, 40014])
def test_wecom_renews_an_expired_or_invalid_token_once(server, shared_cache, errcode):
    server.reply(TOKEN, token_reply("OLD"), token_reply("NEW"))
    server.reply(
        SEND,
        Reply(200, {"errcode": errcode, "errmsg": "access_token expired, hint: [1]"}),
        sent_reply("m-9"),
    )
    assert wecom(server.url).send(message("zhangsan")) == "m-9"
    assert server.paths() == [TOKEN, SEND, TOKEN, SEND]
    assert [s.query["access_token"] for s in server.seen if s.path == SEND] == ["OLD", "NEW"]
    assert shared_cache.get(wecom(server.url).cache_key)[0] == "NEW"


def test_wecom_renews_only_once(server, shared_cache):
    expired = Reply(200, {"errcode": 42001, "errmsg": "access_token expired"})
    server.reply(TOKEN, token_reply("OLD"), token_reply("NEW"))
    server.reply(SEND, expired, expired)
    error = failure(lambda: wecom(server.url).send(message("zhangsan")))
    assert (error.retryable, error.reason) == (False, "errcode 42001 access_token expired")
    assert server.paths() == [TOKEN, SEND, TOKEN, SEND]


@pytest.mark.parametrize(
    ("reply", "retryable", "reason"),
    [
        (
            Reply(
                200,
                {
                    "errcode": 81013,
                    "errmsg": "user & party & tag all invalid, hint: [1684833894235730688668522], from ip: 10.0.0.1",
                    "invaliduser": "nobody",
                },
            ),
            False,
            "errcode 81013 user & party & tag all invalid",
        ),
        (
            Reply(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "nobody", "msgid": "x"}),
            False,
            "企业微信账号无效或不在应用可见范围内",
        ),
        (Reply(200, {"errcode": -1, "errmsg": "system busy"}), True, "errcode -1 system busy"),
        (
            Reply(200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
            True,
            "errcode 45009 api freq out of limit",
        ),
        (Reply(500, body=b"bad gateway"), True, "HTTP 500"),
    ],
)
def test_wecom_error_answers(server, shared_cache, reply, retryable, reason):
    server.reply(TOKEN, token_reply("TOKEN-1"))
    server.reply(SEND, reply)
    error = failure(lambda: wecom(server.url).send(message("nobody")))
    assert (error.retryable, error.reason) == (retryable, reason)


def test_wecom_token_refused_is_permanent(server, shared_cache):
    server.reply(TOKEN, Reply(200, {"errcode": 40001, "errmsg": "invalid credential, hint: [x]"}))
    error = failure(lambda: wecom(server.url).send(message("zhangsan")))
    assert (error.retryable, error.reason) == (
        False,
        "企业微信获取凭证失败：errcode 40001 invalid credential",
    )
    assert "corp-secret" not in error.reason
    assert shared_cache.get(wecom(server.url).cache_key) is None


def test_wecom_timeout_and_refused_connection_are_retryable(server, shared_cache):
    server.reply(TOKEN, token_reply("TOKEN-1"))
    server.reply(SEND, Reply(200, {"errcode": 0}, delay=SLOW))
    assert failure(lambda: wecom(server.url).send(message("zhangsan"))).reason == "连接超时"
    refused = failure(lambda: wecom(closed_port_url()).send(message("zhangsan")))
    assert (refused.retryable, refused.reason) == (True, "连接被拒绝")


# --- Webhook ---------------------------------------------------------------------------------

SECRET = "shared-webhook-secret"


def webhook_verifier(secret: str, tolerance: int = 300):
    """The receiving gateway, written apart from the sender's code: HMAC-SHA256 over
    "<timestamp>.<body>", a timestamp near its clock, each delivery id once."""
    had = set()

    def check(seen: Seen) -> Reply | None:
        timestamp = seen.headers["X-Gongzhi-Timestamp"]
        mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + seen.body, hashlib.sha256)
        if not hmac.compare_digest(
            "sha256=" + mac.hexdigest(), seen.headers["X-Gongzhi-Signature"]
        ):
            return Reply(401, {"error": "bad signature"})
        if abs(time.time() - int(timestamp)) > tolerance:
            return Reply(401, {"error": "stale"})
        delivery = seen.headers["X-Gongzhi-Delivery"]
        if delivery in had:
            return Reply(200, {"id": "duplicate"})
        had.add(delivery)
        return None

    return check


def test_webhook_is_signed_and_the_gateway_verifies_it(server, settings):
    settings.GONGZHI_SITE_URL = "https://gongzhi.example.gov.cn"
    server.check = webhook_verifier(SECRET)
    server.default = Reply(202, {"id": "gw-5"})
    sender = WebhookSender(url=server.url + "/hook", secret=SECRET, timeout=TIMEOUT)
    with time_machine.travel(NOW, tick=False):
        assert sender.send(message(id=5, link="/demands/12/", user_id=3)) == "gw-5"
    (seen,) = server.seen
    assert seen.headers["X-Gongzhi-Timestamp"] == str(int(NOW.timestamp()))
    assert seen.json() == {
        "id": 5,
        "title": "您的诉求（D2026000123）已受理",
        "body": "",
        "link": "https://gongzhi.example.gov.cn/demands/12/",
        "phone": PHONE,
        "user_id": 3,
    }
    assert senders.verify_webhook(
        SECRET,
        seen.headers["X-Gongzhi-Timestamp"],
        seen.headers["X-Gongzhi-Signature"],
        seen.body,
        now=NOW.timestamp(),
    )


def test_webhook_signed_with_another_secret_is_refused_for_good(server):
    server.check = webhook_verifier(SECRET)
    sender = WebhookSender(url=server.url + "/hook", secret="guessed", timeout=TIMEOUT)
    error = failure(lambda: sender.send(message()))
    assert (error.retryable, error.reason) == (False, "HTTP 401")


def test_webhook_verification_refuses_replays_and_tampering():
    body = b'{"id": 5}'
    signature = senders.sign_webhook(SECRET, "1790733600", body)
    assert senders.verify_webhook(SECRET, "1790733600", signature, body, now=1790733600 + 300)
    assert not senders.verify_webhook(SECRET, "1790733600", signature, body, now=1790733600 + 301)
    assert not senders.verify_webhook(SECRET, "1790733600", signature, body + b" ", now=1790733600)
    assert not senders.verify_webhook(SECRET, "1790733601", signature, body, now=1790733600)
    assert not senders.verify_webhook(SECRET, "soon", signature, body, now=1790733600)


def test_webhook_without_a_secret_sends_nothing(server):
    error = failure(
        lambda: WebhookSender(url=server.url, secret="", timeout=TIMEOUT).send(message())
    )
    assert error.retryable is False and "GONGZHI_WEBHOOK_SECRET" in error.reason
    assert server.seen == []


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (502, True), (400, False), (404, False)]
)
def test_webhook_failures_by_status(server, status, retryable):
    server.default = Reply(status, {})
    error = failure(
        lambda: WebhookSender(url=server.url, secret=SECRET, timeout=TIMEOUT).send(message())
    )
    assert (error.retryable, error.reason) == (retryable, f"HTTP {status}")


def test_webhook_timeout_and_refused_connection_are_retryable(server):
    server.default = Reply(200, {}, delay=SLOW)
    assert (
        failure(
            lambda: WebhookSender(url=server.url, secret=SECRET, timeout=TIMEOUT).send(message())
        ).reason
        == "连接超时"
    )
    refused = failure(
        lambda: WebhookSender(url=closed_port_url(), secret=SECRET, timeout=TIMEOUT).send(message())
    )
    assert (refused.retryable, refused.reason) == (True, "连接被拒绝")


# --- E-mail -----------------------------------------------------------------------------------


@pytest.fixture
def smtp(settings):
    with SmtpStub() as stub:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", stub.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield stub


def test_email_goes_through_the_smtp_backend(smtp, settings):
    settings.GONGZHI_SITE_URL = "https://gongzhi.example.gov.cn"
    settings.DEFAULT_FROM_EMAIL = "noreply@gongzhi.example.gov.cn"
    message_id = EmailSender(timeout=TIMEOUT).send(
        message("zhang@example.com", body="请查看", link="/demands/12/")
    )
    (sent,) = smtp.mails
    assert sent.sender == "<noreply@gongzhi.example.gov.cn>"
    assert sent.recipients == ["<zhang@example.com>"]
    assert message_id.endswith("@gongzhi.example.gov.cn>")
    assert f"Message-ID: {message_id}".encode() in sent.data


@pytest.mark.parametrize(
    ("rcpt", "data", "retryable", "reason"),
    [
        ("550 5.1.1 no such user", "250 queued", False, "收件人被拒绝（SMTP 550）"),
        ("450 4.2.1 mailbox busy", "250 queued", True, "收件人被拒绝（SMTP 450）"),
        ("250 OK", "554 5.7.1 rejected as spam", False, "SMTP 554"),
        ("250 OK", "451 4.3.0 try again later", True, "SMTP 451"),
    ],
)
def test_email_refusals(smtp, rcpt, data, retryable, reason):
    smtp.rcpt_reply, smtp.data_reply = rcpt, data
    error = failure(lambda: EmailSender(timeout=TIMEOUT).send(message("zhang@example.com")))
    assert (error.retryable, error.reason) == (retryable, reason)


def test_email_timeout_and_refused_connection_are_retryable(smtp, settings):
    smtp.greeting_delay = SLOW
    assert (
        failure(lambda: EmailSender(timeout=TIMEOUT).send(message("zhang@example.com"))).reason
        == "连接超时"
    )
    settings.EMAIL_PORT = int(closed_port_url().rsplit(":", 1)[1])
    refused = failure(lambda: EmailSender(timeout=TIMEOUT).send(message("zhang@example.com")))
    assert (refused.retryable, refused.reason) == (True, "连接被拒绝")


def test_email_with_the_development_backend(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EmailSender().send(message("zhang@example.com", body="请查看"))
    (sent,) = mail.outbox
    assert (sent.subject, sent.body, sent.to) == (
        "您的诉求（D2026000123）已受理",
        "请查看",
        ["zhang@example.com"],
    )


# --- The log ---------------------------------------------------------------------------------


def test_log_sender_masks_the_phone(caplog):
    caplog.set_level("INFO", logger="gongzhi.core.notifications")
    assert LogSender().send(message()) == ""
    assert "139****5678" in caplog.text and PHONE not in caplog.text


def test_reasons_hold_no_number_or_credential():
    assert senders.clean("bad number 13912345678 at https://x/?access_token=abc&x=1") == (
        "bad number … at https://x/?access_token=…&x=1"
    )
    assert len(senders.clean("x" * 500)) == 200
