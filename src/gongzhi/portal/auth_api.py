"""Phone sign-in over the API (``/api/v1/portal/auth``) for the resident's own client:
ask for a code, then exchange the number and the code for a token. Open to anyone (no
token yet); the same throttles and refusals as the page (429 when throttled)."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from gongzhi.core import context
from gongzhi.core.api import ERRORS, ErrorOut, Text

from . import codes, signin

router = Router(tags=["portal"], auth=None)
AUTH_ERRORS = frozenset({*ERRORS, 429})


class CodeIn(Schema):
    phone: Text(1, 20) = Field(..., description="手机号（11位）")  # type: ignore[valid-type]


class CodeOut(Schema):
    message: str
    wait_seconds: int = Field(..., description="再次获取验证码前须等待的秒数")
    valid_minutes: int


class TokenIn(Schema):
    phone: Text(1, 20)  # type: ignore[valid-type]
    code: Text(1, 6) = Field(..., description="短信验证码（6位数字）")  # type: ignore[valid-type]


class TokenOut(Schema):
    token: str = Field(..., description="访问令牌，仅此一次返回：Authorization: Bearer <token>")
    expires_at: datetime
    new_account: bool = Field(..., description="首次登录新开通的账号：请引导居民绑定住户")


@router.post("/code", response={202: CodeOut, AUTH_ERRORS: ErrorOut})
def request_code(request, payload: CodeIn):
    """Send a code by SMS. The answer is the same whether the number has an account."""
    sent = codes.request_code(payload.phone, ip=context.current().ip)
    return Status(
        202,
        {
            "message": _("验证码已发送，%(m)d分钟内有效。") % {"m": sent.valid_minutes},
            "wait_seconds": sent.wait_seconds,
            "valid_minutes": sent.valid_minutes,
        },
    )


@router.post("/token", response={201: TokenOut, AUTH_ERRORS: ErrorOut})
def exchange(request, payload: TokenIn):
    """A token for the resident (read and write: their own rows only); the first sign-in
    with a number opens a resident account."""
    signed_in = signin.sign_in(payload.phone, payload.code)
    token, key = signin.issue_portal_token(signed_in.user)
    return Status(
        201, {"token": key, "expires_at": token.expires_at, "new_account": signed_in.created}
    )
