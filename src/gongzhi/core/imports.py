"""Excel import: template download, header check, row validation, all-or-nothing or
only-valid-rows writes, and an error workbook to download.

A module declares an :class:`Importer` subclass: its columns (header, key, required,
a parser that returns a clean value or raises :class:`Invalid` with a Chinese reason),
a sheet title and example rows, and ``write()`` that hands the parsed rows to the
module's service. The framework reads the upload with python-calamine (fast, low
memory), refuses what is not a usable spreadsheet before anything else happens, parses
every row once into a small :class:`Row` (no per-row queries: cross-row and database
checks are the module's, done with bulk-preloaded sets), and audits an import that
writes nothing. The service audits the import that writes.

Result pages and the error workbook live for a short while under
``settings.VAR_DIR / "imports"`` keyed by a random id remembered in the user's session;
no personal data ever goes into a URL.
"""

import csv
import io
import json
import os
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any, Protocol

import xlsxwriter
from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from python_calamine import CalamineError, CalamineWorkbook, PasswordError

from . import audit, crypto, sheetcheck
from .errors import DomainError
from .exports import write_workbook
from .types import Actor, StrOrPromise
from .views import PermissionRequiredPage

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".ods")
MAX_FILE_BYTES = 64 * 1024 * 1024  # ~ 500,000 rows of 20 columns; guards memory
MAX_COLUMNS = 200  # a template has about 20; a sheet wider than this holds stray cells
MAX_CELLS = 12_000_000  # the row limit times sixty columns
ERROR_COLUMN = gettext_lazy("错误原因")
INSTRUCTIONS_TITLE = gettext_lazy("填写说明")
SHOWN_ERRORS = 200
CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # as typed, and as Excel saves CSV on Chinese Windows


class SheetRows(Protocol):
    """What the importer reads a sheet through: calamine's sheet, or a checked CSV file."""

    def iter_rows(self) -> Iterator[list[Any]]: ...


class CsvSheet:
    """A CSV upload as a sheet. ``read`` checks the content before any row is parsed:
    text (no NUL byte: a workbook or any binary file renamed .csv is refused) in UTF-8
    or GB18030, at most ``MAX_COLUMNS`` columns, fields of normal length."""

    def __init__(self, rows: list[list[str]]) -> None:
        self.rows = rows

    def iter_rows(self) -> Iterator[list[Any]]:
        return iter(self.rows)

    @classmethod
    def read(cls, data: bytes) -> "CsvSheet":
        if b"\x00" in data:
            raise ValueError("binary")
        for encoding in CSV_ENCODINGS:
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ValueError("encoding")
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            raise ValueError("csv") from None
        if any(len(row) > MAX_COLUMNS for row in rows):
            raise ValueError("width")
        return cls(rows)


# --- Cells ---------------------------------------------------------------------


class Invalid(ValueError):
    """A cell value a parser refuses; the message is the reason shown to the user."""

    def __init__(self, reason: StrOrPromise) -> None:
        self.reason = str(reason)
        super().__init__(self.reason)


def cell_text(value: Any) -> str:
    """A raw calamine cell as the user typed it: ``510107.0`` → ``"510107"``."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == dtime(0) else value.isoformat(" ")
    if isinstance(value, date | dtime):
        return value.isoformat()
    return str(value).strip()


class Parser:
    """Turns a non-empty cell into a clean value; ``describe()`` feeds the 填写说明 sheet."""

    text_cell = True  # the template formats the column as text (codes keep leading zeros)

    def __call__(self, value: Any) -> Any:
        raise NotImplementedError

    def describe(self) -> str:
        return ""

    def dropdown(self) -> list[str] | None:
        return None


class Text(Parser):
    def __init__(self, max_length: int | None = None) -> None:
        self.max_length = max_length

    def __call__(self, value: Any) -> str:
        text = cell_text(value)
        if self.max_length and len(text) > self.max_length:
            raise Invalid(_("不能超过%(n)d个字。") % {"n": self.max_length})
        return text

    def describe(self) -> str:
        if self.max_length:
            return _("文字，最多%(n)d个字") % {"n": self.max_length}
        return _("文字")


class Digits(Parser):
    """A code made of digits, kept as text (a number cell of 16+ digits lost precision)."""

    def __init__(self, min_length: int = 1, max_length: int = 30) -> None:
        self.min_length, self.max_length = min_length, max_length

    def __call__(self, value: Any) -> str:
        if isinstance(value, float) and abs(value) >= 1e15:
            raise Invalid(_("数字过长已被 Excel 改写，请把该列设为“文本”格式后重新填写。"))
        text = cell_text(value)
        if not text.isdigit() or not text.isascii():
            raise Invalid(_("只能由数字组成。"))
        if not self.min_length <= len(text) <= self.max_length:
            raise Invalid(
                _("应为%(a)d至%(b)d位数字。") % {"a": self.min_length, "b": self.max_length}
            )
        return text

    def describe(self) -> str:
        return _("数字编码，%(a)d至%(b)d位，请按文本填写") % {
            "a": self.min_length,
            "b": self.max_length,
        }


class Choice(Parser):
    """One of a list of labels (or their stored values, or ``aliases``); returns the value."""

    def __init__(
        self, choices: Iterable[tuple[Any, Any]], aliases: dict[str, Any] | None = None
    ) -> None:
        self.choices = [(value, str(label)) for value, label in choices]
        self.aliases = aliases or {}

    def __call__(self, value: Any) -> Any:
        text = cell_text(value)
        for stored, label in self.choices:
            if text in (label, str(stored)):
                return stored
        if text in self.aliases:
            return self.aliases[text]
        raise Invalid(_("应为以下之一：%(values)s。") % {"values": self.allowed()})

    def allowed(self) -> str:
        return "、".join(label for _v, label in self.choices)

    def describe(self) -> str:
        return _("从下拉列表选择：%(values)s") % {"values": self.allowed()}

    def dropdown(self) -> list[str]:
        return [label for _v, label in self.choices]


class DecimalNumber(Parser):
    text_cell = False

    def __init__(
        self, max_digits: int, decimal_places: int, min_value: Decimal | None = None
    ) -> None:
        self.max_digits, self.decimal_places, self.min_value = max_digits, decimal_places, min_value

    def __call__(self, value: Any) -> Decimal:
        if isinstance(value, bool):
            raise Invalid(_("应为数字。"))
        try:
            number = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
        except InvalidOperation:
            raise Invalid(_("应为数字。")) from None
        if not number.is_finite():
            raise Invalid(_("应为数字。"))
        try:
            number = number.quantize(Decimal(1).scaleb(-self.decimal_places))
        except InvalidOperation:  # more digits than any context holds
            raise Invalid(_("数值过大。")) from None
        if len(number.as_tuple().digits) > self.max_digits:
            raise Invalid(_("数值过大。"))
        if self.min_value is not None and number < self.min_value:
            raise Invalid(_("不能小于%(min)s。") % {"min": self.min_value})
        return number

    def describe(self) -> str:
        return _("数字，最多%(p)d位小数") % {"p": self.decimal_places}


class Integer(Parser):
    text_cell = False

    def __init__(self, min_value: int | None = None, max_value: int | None = None) -> None:
        self.min_value, self.max_value = min_value, max_value

    def __call__(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
            number = int(value.strip())
        else:
            raise Invalid(_("应为整数。"))
        if self.min_value is not None and number < self.min_value:
            raise Invalid(_("不能小于%(min)s。") % {"min": self.min_value})
        if self.max_value is not None and number > self.max_value:
            raise Invalid(_("不能大于%(max)s。") % {"max": self.max_value})
        return number

    def describe(self) -> str:
        return _("整数")


class DateValue(Parser):
    """A date cell, or text like 2024-03-01, 2024/3/1, 2024.3.1 or 2024年3月1日."""

    text_cell = False
    PATTERN = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")

    def __call__(self, value: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        match = self.PATTERN.fullmatch(cell_text(value))
        if match:
            try:
                return date(*(int(g) for g in match.groups()))
            except ValueError:
                pass
        raise Invalid(_("应为日期，例如 2024-03-01。"))

    def describe(self) -> str:
        return _("日期，例如 2024-03-01")


class YesNo(Parser):
    YES, NO = ("是", "y", "yes", "true", "1"), ("否", "n", "no", "false", "0")

    def __call__(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if text in self.YES:
            return True
        if text in self.NO:
            return False
        raise Invalid(_("应为“是”或“否”。"))

    def describe(self) -> str:
        return _("是 / 否")

    def dropdown(self) -> list[str]:
        return ["是", "否"]


@dataclass(frozen=True)
class Column:
    header: Any  # translated header text, exactly as in the template
    key: str  # the field name the module's service knows
    parser: Parser = field(default_factory=Text)
    required: bool = False
    unique: bool = False  # the clean value may appear once in a file
    help: Any = ""  # extra explanation for the 填写说明 sheet
    default: Any = None

    def describe(self) -> str:
        parts = [self.parser.describe(), str(self.help)]
        if self.unique:
            parts.append(_("同一文件内不能重复"))
        return "；".join(p for p in parts if p)


# --- Results -------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # the row number Excel shows
    column: str  # the column header ("" when the reason concerns the whole row)
    reason: str


class Row:
    """One data row: its Excel row number and its clean values by column key.

    A cell that failed to parse is missing from ``values`` and ``failed`` is set; the
    row still reaches ``Importer.write`` so cross-row checks can name it.
    """

    __slots__ = ("failed", "number", "values")

    def __init__(self, number: int, values: dict[str, Any], failed: bool = False) -> None:
        self.number, self.values, self.failed = number, values, failed

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def __repr__(self) -> str:
        return f"Row({self.number}, {self.values!r}, failed={self.failed})"


class ImportRefused(Exception):
    """The file as a whole cannot be imported; nothing is read further or written."""

    def __init__(self, code: str, message: StrOrPromise) -> None:
        self.code, self.message = code, str(message)
        super().__init__(self.message)


# The failing rows of an upload, read again: the error workbook's headers and rows.
ErrorSource = Callable[[list[RowError]], tuple[list[str], Iterator[list[str]]]]


@dataclass
class ImportResult:
    filename: str
    partial: bool
    total: int = 0
    written: int = 0
    errors: list[RowError] = field(default_factory=list)
    refused: str = ""
    refused_code: str = ""
    detail: dict[str, Any] = field(default_factory=dict)  # module counts, e.g. areas/households
    _error_source: ErrorSource | None = field(default=None, repr=False)

    @property
    def failed_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    @property
    def failed(self) -> int:
        return len(self.failed_rows)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.errors

    @property
    def has_error_workbook(self) -> bool:
        return bool(self.errors) and self._error_source is not None

    def write_error_workbook(self, target: IO[bytes]) -> None:
        """The failing rows as uploaded (every template column) plus 错误原因."""
        if self._error_source is None:
            raise ValueError("no rows to report")
        headers, rows = self._error_source(self.errors)
        write_workbook(target, str(_("错误行")), headers, rows)

    def error_workbook_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.write_error_workbook(buffer)
        return buffer.getvalue()

    def summary(self) -> dict[str, Any]:
        """What the result page needs, JSON-serialisable (first errors only)."""
        return {
            "filename": self.filename,
            "partial": self.partial,
            "total": self.total,
            "written": self.written,
            "failed": self.failed,
            "refused": self.refused,
            "error_count": len(self.errors),
            "errors": [[e.row, e.column, e.reason] for e in self.errors[:SHOWN_ERRORS]],
            "detail": self.detail,
        }


# --- Importer ------------------------------------------------------------------


# What an import reads: a Django UploadedFile, a path or a binary file.
Upload = UploadedFile | str | Path | IO[bytes]


class Importer:
    """Declare ``columns``, ``sheet_title``, ``examples``, ``audit_name`` and ``write``."""

    columns: list[Column] = []
    sheet_title: StrOrPromise = ""
    template_filename: StrOrPromise = ""
    examples: list[dict] = []  # rows of {key: text} shown in the template, skipped on import
    audit_name = ""  # "areas.import": a refused import logs "<audit_name>.rejected"
    notes: list = []  # extra lines for the 填写说明 sheet
    accepts_csv = False  # a .csv file too (UTF-8 or GB18030), checked by CsvSheet.read
    max_bytes = MAX_FILE_BYTES  # the upload's size limit (whole MB), checked before it is opened

    def __init__(self, *, actor: Actor) -> None:
        self.actor = actor

    # -- hooks -----------------------------------------------------------------

    def write(
        self, rows: list[Row], *, partial: bool, dry_run: bool, audit_data: dict[str, Any]
    ) -> tuple[int, list[RowError], dict[str, Any]]:
        """Check ``rows`` across the file and against the database, then write.

        Return ``(written, errors, detail)``. ``errors`` are :class:`RowError` for the
        cross-row and database checks (``Row.failed`` rows already have theirs). Write
        nothing when ``dry_run`` or when any row fails and not ``partial``; otherwise
        write the valid rows in one transaction through the module's service, which
        audits the import with ``audit_data`` (file name and row counts).
        """
        raise NotImplementedError

    # -- template --------------------------------------------------------------

    def template(self) -> bytes:
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(
            buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        head = {"bold": True, "bg_color": "#F2F2F2", "border": 1, "align": "center"}
        header_fmt = workbook.add_format(head)
        required_fmt = workbook.add_format({**head, "font_color": "#C00000"})
        text_fmt = workbook.add_format({"num_format": "@"})
        example_fmt = workbook.add_format({"num_format": "@", "font_color": "#808080"})
        sheet = workbook.add_worksheet(str(self.sheet_title)[:31])
        last_row = max(self.max_rows(), len(self.examples) + 1)
        for col, column in enumerate(self.columns):
            header = str(column.header)
            sheet.write_string(0, col, header, required_fmt if column.required else header_fmt)
            width = max(12, len(header) * 2 + 4)
            sheet.set_column(col, col, width, text_fmt if column.parser.text_cell else None)
            options = column.parser.dropdown()
            if options:
                sheet.data_validation(
                    1, col, min(last_row, 1_048_575), col, {"validate": "list", "source": options}
                )
            sheet.write_comment(0, col, column.describe() or header)
        for r, example in enumerate(self.examples, start=1):
            for col, column in enumerate(self.columns):
                sheet.write_string(r, col, str(example.get(column.key, "")), example_fmt)
        sheet.freeze_panes(1, 0)

        notes = workbook.add_worksheet(str(INSTRUCTIONS_TITLE))
        bold = workbook.add_format({"bold": True})
        wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        general = [
            _("请在“%(sheet)s”工作表中填写，第1行为表头，不要修改、删除或调换表头文字。")
            % {"sheet": self.sheet_title},
            _("灰色的示例行可以保留或删除，导入时跳过与示例完全相同的行。"),
            _("红色表头为必填列；编码等数字列请按文本填写，以免丢失开头的0。"),
            _("每个文件最多%(n)d行数据。") % {"n": self.max_rows()},
            _(
                "默认整份文件全部无误才写入；选择“只写入无误的行”时，"
                "有误的行不写入，放进错误文件，修改后可直接再次导入。"
            ),
            *[str(n) for n in self.notes],
        ]
        for r, line in enumerate(general):
            notes.write_string(r, 0, line)
        start = len(general) + 1
        for c, title in enumerate([_("列名"), _("是否必填"), _("格式与取值"), _("示例")]):
            notes.write_string(start, c, title, bold)
        example = self.examples[0] if self.examples else {}
        for r, column in enumerate(self.columns, start=start + 1):
            notes.write_string(r, 0, str(column.header))
            notes.write_string(r, 1, _("必填") if column.required else _("选填"))
            notes.write_string(r, 2, column.describe(), wrap)
            notes.write_string(r, 3, str(example.get(column.key, "")))
        notes.set_column(0, 0, 16)
        notes.set_column(1, 1, 10)
        notes.set_column(2, 2, 70)
        notes.set_column(3, 3, 24)
        workbook.close()
        return buffer.getvalue()

    # -- reading ---------------------------------------------------------------

    @staticmethod
    def max_rows() -> int:
        return settings.GONGZHI_IMPORT_MAX_ROWS

    def run(
        self, upload: Upload, *, partial: bool = False, filename: str | None = None
    ) -> ImportResult:
        """Import ``upload`` (a Django UploadedFile, a path or a binary file)."""
        filename = filename or Path(str(getattr(upload, "name", upload) or "")).name
        result = ImportResult(filename=filename, partial=partial)
        try:
            sheet = self._open(upload, filename)
            header_row, positions = self._read_header(sheet)
            rows, errors = self._parse(sheet, header_row, positions)
            result.total = len(rows)
            written, more, detail = self.write(
                rows,
                partial=partial,
                dry_run=bool(errors) and not partial,
                audit_data={
                    "file": filename[:200],
                    "rows_total": len(rows),
                    "mode": "partial" if partial else "all",
                },
            )
        except ImportRefused as exc:
            result.refused, result.refused_code = exc.message, exc.code
        except DomainError as exc:  # the service refused at write time (e.g. a concurrent edit)
            result.refused, result.refused_code = str(exc.message), exc.code
        else:
            result.written, result.detail = written, detail
            result.errors = sorted(
                [*errors, *more], key=lambda e: (e.row, self._column_order(e.column))
            )
            if result.errors:
                result._error_source = self._error_rows_source(sheet, positions)
        if not result.written:
            audit.log(
                f"{self.audit_name}.rejected",
                actor=self.actor,
                result=audit.FAILURE,
                data={
                    "file": filename[:200],
                    "mode": "partial" if partial else "all",
                    "rows_total": result.total,
                    "rows_written": 0,
                    "rows_failed": result.failed,
                    "refused": result.refused_code,
                },
            )
        return result

    def _column_order(self, header: str) -> int:
        for i, column in enumerate(self.columns):
            if str(column.header) == header:
                return i
        return len(self.columns)

    def _open(self, upload: Upload, filename: str) -> SheetRows:
        is_csv = self.accepts_csv and filename.lower().endswith(".csv")
        if not is_csv and not filename.lower().endswith(SPREADSHEET_EXTENSIONS):
            raise ImportRefused(
                "not_spreadsheet",
                _("“%(name)s”不是 Excel 或 CSV 文件，请上传 .xlsx 或 .csv 文件（可先下载模板）。")
                % {"name": filename}
                if self.accepts_csv
                else _("“%(name)s”不是 Excel 文件，请上传 .xlsx 或 .xls 文件（可先下载模板）。")
                % {"name": filename},
            )
        size = getattr(upload, "size", None)
        if size is None and isinstance(upload, str | Path):
            size = Path(upload).stat().st_size
        if size == 0:
            raise ImportRefused("empty_file", _("文件是空的。"))
        if size is not None and size > self.max_bytes:
            raise ImportRefused(
                "too_large",
                _("文件超过%(mb)dMB，请拆分后分批导入。") % {"mb": self.max_bytes // 1024 // 1024},
            )
        if is_csv:
            return self._open_csv(upload, filename)
        if isinstance(upload, str | Path):
            source: str | bytes = str(upload)
        elif hasattr(upload, "temporary_file_path"):
            source = upload.temporary_file_path()
        else:
            if hasattr(upload, "seek"):
                upload.seek(0)
            source = upload.read()
        title = str(self.sheet_title)
        try:
            found = sheetcheck.inspect(
                source,
                title,
                memory_mb=settings.GONGZHI_IMPORT_CHECK_MB,
                timeout=settings.GONGZHI_IMPORT_CHECK_SECONDS,
            )
        except sheetcheck.Refused as exc:
            raise ImportRefused(exc.code, self._refusal(exc.code, filename)) from None
        if found.width > MAX_COLUMNS or found.height * found.width > MAX_CELLS:
            raise ImportRefused(
                "range_too_large",
                _(
                    "“%(name)s”的工作表范围过大（%(h)d行×%(w)d列，可能含有远处的空白单元格）："
                    "请只保留数据区域（最多%(c)d列），另存为新文件后再导入。"
                )
                % {"name": filename, "h": found.height, "w": found.width, "c": MAX_COLUMNS},
            )
        try:
            if isinstance(source, bytes):
                workbook = CalamineWorkbook.from_filelike(io.BytesIO(source))
            else:
                workbook = CalamineWorkbook.from_path(source)
            return workbook.get_sheet_by_name(found.name)
        except PasswordError:
            raise ImportRefused("password", self._refusal("password", filename)) from None
        except (CalamineError, OSError, ValueError, IndexError):
            raise ImportRefused(
                "not_spreadsheet", self._refusal("not_spreadsheet", filename)
            ) from None

    def _open_csv(self, upload: Upload, filename: str) -> CsvSheet:
        if isinstance(upload, str | Path):
            data = Path(upload).read_bytes()
        else:
            if hasattr(upload, "seek"):
                upload.seek(0)
            data = upload.read(self.max_bytes + 1)
        if len(data) > self.max_bytes:  # a stream that did not say its size
            raise ImportRefused(
                "too_large",
                _("文件超过%(mb)dMB，请拆分后分批导入。") % {"mb": self.max_bytes // 1024 // 1024},
            )
        try:
            return CsvSheet.read(data)
        except ValueError:
            raise ImportRefused(
                "not_csv",
                _(
                    "无法读取“%(name)s”：它不是有效的 CSV 文本文件（应为 UTF-8 或 GBK 编码、"
                    "逗号分隔）。请按模板填写后另存为 CSV，或直接上传 .xlsx 文件。"
                )
                % {"name": filename},
            ) from None

    @staticmethod
    def _refusal(code: str, filename: str) -> str:
        messages = {
            "password": _("“%(name)s”设置了密码，请取消密码后再导入。"),
            "zip_bomb": _("“%(name)s”解压后的数据量异常巨大，不是正常的 Excel 文件，已拒绝。"),
            "range_too_large": _(
                "“%(name)s”声明的表格范围过大或结构异常，无法安全读取：请只保留数据区域，"
                "另存为新的 .xlsx 文件后再导入。"
            ),
            "too_slow": _("“%(name)s”读取超时：文件过大或结构异常，请拆分后分批导入。"),
        }
        message = messages.get(code, _("无法读取“%(name)s”：它不是有效的 Excel 文件，或已损坏。"))
        return str(message) % {"name": filename}

    def _read_header(self, sheet: SheetRows) -> tuple[int, dict[str, int]]:
        """Find the header row (the first non-empty one) and map column key → position."""
        by_header = {str(c.header): c for c in self.columns}
        ignored = {str(ERROR_COLUMN)}
        for index, cells in enumerate(sheet.iter_rows()):
            texts = [cell_text(v).rstrip("*＊ ").strip() for v in cells]
            if not any(texts):
                continue
            positions: dict[str, int] = {}
            unknown: list[str] = []
            repeated: list[str] = []
            for pos, text in enumerate(texts):
                if not text or text in ignored:
                    continue
                column = by_header.get(text)
                if column is None:
                    unknown.append(text)
                elif column.key in positions:
                    repeated.append(text)
                else:
                    positions[column.key] = pos
            missing = [str(c.header) for c in self.columns if c.required and c.key not in positions]
            problems: list[str] = []
            if missing:
                problems.append(_("缺少必填列：%(h)s") % {"h": "、".join(missing)})
            if unknown:
                problems.append(_("无法识别的列：%(h)s") % {"h": "、".join(unknown)})
            if repeated:
                problems.append(_("重复的列：%(h)s") % {"h": "、".join(repeated)})
            if problems:
                raise ImportRefused(
                    "headers",
                    _("表头与模板不符（%(p)s）。请下载模板，按模板的表头填写。")
                    % {"p": "；".join(problems)},
                )
            return index, positions
        raise ImportRefused("no_rows", _("文件中没有内容。"))

    def _example_keys(self, positions: dict[str, int]) -> set[tuple]:
        keys = [c.key for c in self.columns if c.key in positions]
        return {tuple(str(example.get(k, "")) for k in keys) for example in self.examples}

    def _parse(
        self, sheet: SheetRows, header_row: int, positions: dict[str, int]
    ) -> tuple[list[Row], list[RowError]]:
        """Parse every data row once; return (rows, cell and duplicate errors)."""
        present = [(c, positions[c.key]) for c in self.columns if c.key in positions]
        absent = [c for c in self.columns if c.key not in positions]
        examples = self._example_keys(positions)
        seen: dict[str, dict] = {c.key: {} for c, _p in present if c.unique}
        limit = self.max_rows()
        rows: list[Row] = []
        errors: list[RowError] = []
        # One object for equal texts: a sheet repeats its addresses and categories in every
        # row, and 100,000 parsed rows are in memory together.
        texts: dict[str, str] = {}
        for index, cells in enumerate(sheet.iter_rows()):
            if index <= header_row:
                continue
            width = len(cells)
            raw = [cells[p] if p < width else "" for _c, p in present]
            if all(v == "" or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            if examples and tuple(cell_text(v) for v in raw) in examples:
                continue
            if len(rows) >= limit:
                raise ImportRefused(
                    "too_many_rows",
                    _("数据超过%(n)d行的上限，请拆分后分批导入。") % {"n": limit},
                )
            number = index + 1
            values = {c.key: c.default for c in absent}
            failed = False
            for (column, _p), value in zip(present, raw, strict=True):
                if isinstance(value, str):
                    value = value.strip()
                if value == "":
                    if column.required:
                        errors.append(RowError(number, str(column.header), _("必填，不能为空。")))
                        failed = True
                    else:
                        values[column.key] = column.default
                    continue
                try:
                    clean = column.parser(value)
                except Invalid as exc:
                    errors.append(RowError(number, str(column.header), exc.reason))
                    failed = True
                    continue
                if column.key in seen:
                    first = seen[column.key].setdefault(clean, number)
                    if first != number:
                        errors.append(
                            RowError(
                                number,
                                str(column.header),
                                _("与第%(row)d行重复。") % {"row": first},
                            )
                        )
                        failed = True
                        continue  # a failed cell is missing from the row's values
                values[column.key] = texts.setdefault(clean, clean) if type(clean) is str else clean
            rows.append(Row(number, values, failed))
        if not rows:
            raise ImportRefused("no_rows", _("文件中没有数据行（表头下面是空的）。"))
        return rows, errors

    def _error_rows_source(self, sheet: SheetRows, positions: dict[str, int]) -> ErrorSource:
        """A second pass over the sheet that yields only the failing rows, as uploaded."""

        def source(errors: list[RowError]) -> tuple[list[str], Iterator[list[str]]]:
            reasons: dict[int, list[str]] = {}
            for e in errors:
                reasons.setdefault(e.row, []).append(
                    (f"{e.column}：{e.reason}" if e.column else e.reason).rstrip("。")
                )
            headers = [str(c.header) for c in self.columns] + [str(ERROR_COLUMN)]
            cols = [positions.get(c.key) for c in self.columns]

            def rows() -> Iterator[list[str]]:
                for index, cells in enumerate(sheet.iter_rows()):
                    found = reasons.get(index + 1)
                    if found is None:
                        continue
                    width = len(cells)
                    yield [
                        cell_text(cells[p]) if p is not None and p < width else "" for p in cols
                    ] + [_("第%(row)d行：") % {"row": index + 1} + "；".join(found) + "。"]

            return headers, rows()

        return source


# --- Short-lived results and error workbooks --------------------------------------
#
# An error workbook holds the failing rows as uploaded, ID numbers included (the user
# fixes and imports them again), so it is kept encrypted with the field key
# (core.crypto.encrypt_file), readable only by the server's user (mode 600), and
# deleted once its time is up: by the next import, and by the periodic loop
# (``prune_results``, core.tasks) when no import follows.

RESULT_TTL_SECONDS = 2 * 60 * 60
_SESSION_KEY = "gongzhi_imports"
_ID_RE = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
ERRORS_SUFFIX = ".xlsx.enc"


def _store_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def prune_results(now: float | None = None) -> int:
    """Delete the results and error workbooks whose time is up; return how many."""
    cutoff = (now or time.time()) - RESULT_TTL_SECONDS
    removed = 0
    for item in _store_dir().iterdir():
        try:
            if item.stat().st_mtime < cutoff:
                item.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def save_result(request: HttpRequest, result: ImportResult) -> str:
    """Keep ``result`` (and its error workbook) for the result page; return its id."""
    key = new_key(request)
    write_result(key, result)
    return key


def new_key(request: HttpRequest) -> str:
    """A result's random id, remembered in the importer's session (only they see it)."""
    prune_results()
    key = secrets.token_urlsafe(18)
    keys = [k for k in request.session.get(_SESSION_KEY, []) if k != key][-19:]
    request.session[_SESSION_KEY] = [*keys, key]
    return key


def write_result(key: str, result: ImportResult) -> None:
    directory = _store_dir()
    summary = result.summary()
    summary["has_error_workbook"] = result.has_error_workbook
    if result.has_error_workbook:
        sealed = crypto.encrypt_file(result.error_workbook_bytes())
        _write_private(directory / f"{key}{ERRORS_SUFFIX}", sealed)
    _write_private(
        directory / f"{key}.json", json.dumps(summary, ensure_ascii=False).encode("utf-8")
    )


# --- Long imports, run by the worker ---------------------------------------------------------
# A file larger than GONGZHI_IMPORT_BACKGROUND_BYTES is kept (encrypted, under a random
# name) and imported by the worker (core.tasks.run_import); the result page waits for it.

QUEUED_SUFFIX, UPLOAD_SUFFIX = ".queued", ".upload"


def start_background(
    request: HttpRequest, importer: "Importer", upload: UploadedFile, *, partial: bool
) -> str:
    from . import queue, tasks

    key = new_key(request)
    directory = _store_dir()
    _write_private(directory / f"{key}{UPLOAD_SUFFIX}", crypto.encrypt_file(upload.read()))
    name = Path(str(upload.name or "")).name
    _write_private(directory / f"{key}{QUEUED_SUFFIX}", name.encode("utf-8"))
    importer_path = f"{type(importer).__module__}.{type(importer).__qualname__}"
    queue.after_commit(tasks.run_import, key, importer_path, importer.actor.pk, partial, name)
    return key


def run_background(key: str, importer_path: str, user_id: int, partial: bool, name: str) -> None:
    """The worker's part: import the kept file as its user, keep the result, drop the file
    (idempotent: a key without its file has been imported)."""
    from django.contrib.auth import get_user_model
    from django.utils.module_loading import import_string

    directory = _store_dir()
    kept = directory / f"{key}{UPLOAD_SUFFIX}"
    try:
        sealed = kept.read_bytes()
    except FileNotFoundError:
        return
    kept.unlink()
    try:
        data = crypto.decrypt_file(sealed)
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        result = ImportResult(filename=name, partial=partial)
        if data is None or user is None:
            result.refused, result.refused_code = _("文件或账号已失效，请重新导入。"), "expired"
        else:
            result = import_string(importer_path)(actor=user).run(
                io.BytesIO(data), partial=partial, filename=name
            )
        write_result(key, result)
    finally:
        (directory / f"{key}{QUEUED_SUFFIX}").unlink(missing_ok=True)


def pending(request: HttpRequest, key: str) -> bool:
    """Whether the result ``key`` of this session is still being made by the worker."""
    if not _ID_RE.match(key or "") or key not in request.session.get(_SESSION_KEY, []):
        return False
    return (_store_dir() / f"{key}{QUEUED_SUFFIX}").exists()


def _owned_file(request: HttpRequest, key: str, suffix: str) -> Path:
    if not _ID_RE.match(key or "") or key not in request.session.get(_SESSION_KEY, []):
        raise Http404()
    path = _store_dir() / f"{key}{suffix}"
    try:
        if path.stat().st_mtime < time.time() - RESULT_TTL_SECONDS:
            raise Http404()
    except FileNotFoundError:
        raise Http404() from None
    return path


def load_result(request: HttpRequest, key: str) -> dict[str, Any]:
    return json.loads(_owned_file(request, key, ".json").read_text("utf-8"))


def load_error_workbook(request: HttpRequest, key: str) -> bytes:
    data = crypto.decrypt_file(_owned_file(request, key, ERRORS_SUFFIX).read_bytes())
    if data is None:  # written under a key this server no longer has
        raise Http404()
    return data


# --- Pages -------------------------------------------------------------------------


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Excel 文件"))
    partial = forms.BooleanField(
        label=gettext_lazy("只写入无误的行"),
        required=False,
        help_text=gettext_lazy(
            "默认整份文件无误才写入；勾选后写入无误的行，有误的行放入错误文件供下载修改。"
        ),
    )


def import_urls(
    namespace: str,
    importer_class: type["Importer"],
    permission: str,
    title: StrOrPromise,
    *,
    name: str = "import",
) -> list[URLPattern]:
    """The four pages of one import (upload, template, result, error workbook) as URL
    patterns ``<name>``, ``<name>_template``, ``<name>_result`` and ``<name>_errors``;
    include them where the module's list lives, e.g. ``path("members/",
    include(import_urls(...)))``."""
    config = {
        "importer_class": importer_class,
        "permission": permission,
        "title": title,
        "url_names": {
            page: f"{namespace}:{name}{suffix}"
            for page, suffix in (
                ("page", ""),
                ("template", "_template"),
                ("result", "_result"),
                ("errors", "_errors"),
            )
        },
    }
    return [
        path("import/", ImportView.as_view(**config), name=name),
        path("import/template/", ImportTemplateView.as_view(**config), name=f"{name}_template"),
        path("import/<str:key>/", ImportResultView.as_view(**config), name=f"{name}_result"),
        path("import/<str:key>/errors/", ImportErrorsView.as_view(**config), name=f"{name}_errors"),
    ]


class ImportPageMixin(PermissionRequiredPage, TemplateView):
    """``importer_class``, ``permission``, ``title`` and ``url_names`` (``{"page",
    "template", "result", "errors"}``) come from :func:`import_urls`."""

    importer_class: type[Importer] = Importer
    title: StrOrPromise = ""
    url_names: dict[str, str] = {}

    def get_importer(self) -> Importer:
        user = self.request.user
        assert user.is_authenticated  # LoginRequiredMixin lets no one else in
        return self.importer_class(actor=user)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title,
            page_url=reverse(self.url_names["page"]),
            template_url=reverse(self.url_names["template"]),
        )
        return context


class ImportView(ImportPageMixin, TemplateView):
    """The upload page: template link, column guide, upload form with the partial box."""

    template_name = "core/import.html"
    form_class = ImportForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        importer = self.get_importer()
        context.setdefault("form", self.form_class())
        context.update(columns=importer.columns, max_rows=importer.max_rows())
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        upload = form.cleaned_data["file"]
        importer = self.get_importer()
        limit = settings.GONGZHI_IMPORT_BACKGROUND_BYTES
        if limit and upload.size > limit:  # a long import: the worker's (result page waits)
            key = start_background(request, importer, upload, partial=form.cleaned_data["partial"])
        else:
            key = save_result(request, importer.run(upload, partial=form.cleaned_data["partial"]))
        return HttpResponseRedirect(reverse(self.url_names["result"], args=[key]))


class ImportTemplateView(ImportPageMixin, TemplateView):
    # A download, which the declared type of TemplateView.get (an HttpResponse) does not foresee.
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:  # type: ignore[override]
        importer = self.get_importer()
        return FileResponse(
            io.BytesIO(importer.template()),
            as_attachment=True,
            filename=f"{importer.template_filename or importer.sheet_title}.xlsx",
            content_type=XLSX_TYPE,
        )


class ImportResultView(ImportPageMixin, TemplateView):
    template_name = "core/import_result.html"

    def get_template_names(self) -> list[str]:
        if pending(self.request, self.kwargs["key"]):
            if self.request.headers.get("HX-Request"):
                return ["core/import_waiting_fragment.html"]
            return ["core/import_waiting.html"]
        if self.request.headers.get("HX-Request"):  # done while the page waited: reload it
            return ["core/import_done_fragment.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        if pending(self.request, self.kwargs["key"]) or self.request.headers.get("HX-Request"):
            context = super().get_context_data(**kwargs)
            context["result_url"] = self.request.path
            return context
        context = super().get_context_data(**kwargs)
        summary = load_result(self.request, self.kwargs["key"])
        context.update(
            summary=summary,
            hidden_errors=max(0, summary["error_count"] - len(summary["errors"])),
            errors_url=reverse(self.url_names["errors"], args=[self.kwargs["key"]])
            if summary.get("has_error_workbook")
            else "",
        )
        return context


class ImportErrorsView(ImportPageMixin, TemplateView):
    # A download, as above.
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> FileResponse:  # type: ignore[override]
        data = load_error_workbook(request, self.kwargs["key"])
        importer = self.get_importer()
        name = f"{importer.template_filename or importer.sheet_title}-{_('错误行')}.xlsx"
        return FileResponse(
            io.BytesIO(data), as_attachment=True, filename=name, content_type=XLSX_TYPE
        )
