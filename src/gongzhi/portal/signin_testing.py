"""Test helpers of the phone sign-in: the codes the development sender logs, read as a
resident reads their SMS."""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

from gongzhi.core.senders import notification_log

_CODE = re.compile(r"验证码为(\d{6})")


class _Catcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.codes: list[str] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if found := _CODE.search(line):
            self.codes.append(found.group(1))
            self.lines.append(line)


@contextmanager
def sms_inbox() -> Iterator[_Catcher]:
    """The codes the log sender writes while the block runs (``.codes``, ``.lines``)."""
    catcher = _Catcher()
    level = notification_log.level
    notification_log.addHandler(catcher)
    notification_log.setLevel(logging.INFO)
    try:
        yield catcher
    finally:
        notification_log.removeHandler(catcher)
        notification_log.setLevel(level)
