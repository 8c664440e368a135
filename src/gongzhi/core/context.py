"""Who is acting and from where, for the audit log of the current request or command."""

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip: str = ""
    user_agent: str = ""
    channel: str = "web"


_SYSTEM = RequestContext(channel="system")
_current: ContextVar[RequestContext | None] = ContextVar("gongzhi_request", default=None)


def current() -> RequestContext:
    return _current.get() or _SYSTEM


def bind(ctx: RequestContext) -> Token[RequestContext | None]:
    return _current.set(ctx)


def reset(token: Token[RequestContext | None]) -> None:
    _current.reset(token)
