"""Exports: every download of the product goes through one ``Exporter``.

An exporter is named (its file name and the audit record's ``list``), writes its
workbook (streamed, constant memory, every cell injection-safe) and is answered by
``respond(request)``, which audits the export once and streams the file: the shape of
pretix's ``ListExporter``. A list of the pages is a ``TableExporter`` (the page's table,
its filterset's rows; Excel or CSV); the ledgers and reports that lay out a workbook of
their own subclass ``Exporter`` and write it.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any

import xlsxwriter
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from .display import EXCEL_FORMATS, date_text
from .tables import Column, Table, yes_no
from .types import Row, StrOrPromise, Visitor

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# xlsxwriter writes a constant-memory cell that reads "<r>…</r>" (its rich-string form) into
# the sheet's XML unescaped: such text could carry a formula cell of its own.
RAW_XML_PREFIX = "<r>"


def neutralise(value: Any) -> Any:
    """Cell text that xlsxwriter would write as raw XML gets a leading apostrophe (the
    only change to what a user reads, for a prefix no real text has). Text that looks
    like a formula stays as typed: ``write_row`` writes it as a string cell with Excel's
    quote prefix, so it is shown as text and stays text when the cell is edited."""
    if isinstance(value, str) and value.startswith(RAW_XML_PREFIX):
        return "'" + value
    return value


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def _cell(value: Any) -> str | int | float:
    """A CSV cell's value (and an xlsx cell's, but for dates: see ``write_row``)."""
    if isinstance(value, str):  # most cells: first, 100,000-row exports ask it for each
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, date):
        return date_text(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, int | float):
        return value
    return neutralise(str(value))


def _excel_datetime(value: datetime) -> datetime:
    """A time as Excel keeps it: local, without a zone."""
    if timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class Workbook(xlsxwriter.Workbook):  # type: ignore[misc]  # xlsxwriter is untyped
    """A streaming workbook that never turns cell text into formulas or links; each of
    its sheets knows the quote-prefix format for text that looks like a formula."""

    def __init__(self, target: IO[bytes]) -> None:
        super().__init__(
            target,
            {
                "constant_memory": True,
                "in_memory": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
            },
        )
        self.quoted = self.add_format({"quote_prefix": True})
        self._kinds: dict[tuple[str, tuple[tuple[str, Any], ...]], Format] = {}

    def kind_format(self, kind: str, **properties: Any) -> Format | None:
        """The cell format of a kind of value (core.display.EXCEL_FORMATS: money
        ``#,##0.00``, rate ``0.0%``, dates), with ``properties`` (a border, bold) added;
        one format per combination, however many cells use it."""
        if kind not in EXCEL_FORMATS:
            return self.add_format(properties) if properties else None
        key = (kind, tuple(sorted(properties.items())))
        if key not in self._kinds:
            self._kinds[key] = self.add_format({**properties, "num_format": EXCEL_FORMATS[kind]})
        return self._kinds[key]

    def add_worksheet(
        self, name: str | None = None, worksheet_class: type[Worksheet] | None = None
    ) -> Worksheet:
        sheet = super().add_worksheet(name, worksheet_class)
        sheet.quoted_format = self.quoted
        sheet.date_format = self.kind_format("date")
        sheet.datetime_format = self.kind_format("datetime")
        return sheet


def new_workbook(target: IO[bytes]) -> Workbook:
    return Workbook(target)


def write_row(
    sheet: Worksheet,
    row_index: int,
    values: Iterable[Any],
    cell_format: Format | None = None,
    formats: Sequence[Format | None] = (),
) -> None:
    """Write one row of values, neutralised and typed: numbers stay numbers, dates are
    Excel dates (``2026-12-06``, ``2026-12-06 18:23``). ``formats``: a cell format per
    column (``Workbook.kind_format``), else ``cell_format``. Text is always a string
    cell, never a formula; formula-like text also gets the quote prefix when the row
    has no format of its own."""
    for c, value in enumerate(values):
        fmt = formats[c] if c < len(formats) and formats[c] is not None else cell_format
        if isinstance(value, datetime):
            sheet.write_datetime(
                row_index, c, _excel_datetime(value), fmt or getattr(sheet, "datetime_format", None)
            )
            continue
        if isinstance(value, date):
            sheet.write_datetime(row_index, c, value, fmt or getattr(sheet, "date_format", None))
            continue
        value = _cell(value)
        if isinstance(value, str):
            if fmt is None and looks_like_formula(value):
                sheet.write_string(row_index, c, value, getattr(sheet, "quoted_format", None))
            else:
                sheet.write_string(row_index, c, value, fmt)
        else:
            sheet.write_number(row_index, c, value, fmt)


def write_workbook(
    target: IO[bytes], sheet_title: str, headers: Iterable[Any], rows: Iterable[Iterable[Any]]
) -> None:
    """Write ``rows`` (iterables of cell values) under ``headers`` to ``target``."""
    workbook = new_workbook(target)
    sheet = workbook.add_worksheet(sheet_title[:31])
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
        sheet.set_column(col, col, max(10, len(str(header)) * 2 + 2))
    for r, row in enumerate(rows, start=1):
        write_row(sheet, r, row)
    sheet.freeze_panes(1, 0)
    workbook.close()


def table_rows(
    table_class: type[Table],
    queryset: QuerySet,
    chunk_size: int = 2000,
    columns: tuple[Column, ...] | None = None,
) -> Iterator[Iterable[Any]]:
    """The cells of every row in ``columns`` (the table's, by default); a table that can
    fill its columns without model instances (from ``values_list`` rows, say) declares
    ``export_rows(queryset, chunk_size, columns)``."""
    columns = table_class.columns if columns is None else columns
    export_rows = getattr(table_class, "export_rows", None)
    if export_rows is not None:
        yield from export_rows(queryset, chunk_size=chunk_size, columns=columns)
        return
    for row in queryset.iterator(chunk_size=chunk_size):
        yield [c.value(row) for c in columns]


def file_response(filename: str, write: Callable[[IO[bytes]], None]) -> FileResponse:
    """Stream the workbook that ``write(target)`` writes as a download."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by FileResponse)
    write(tmp)
    tmp.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return FileResponse(
        tmp,
        as_attachment=True,
        filename=f"{filename}-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def csv_cell(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: CSV has no cell types, so formula-like text
    gets the apostrophe OWASP recommends (the xlsx exports keep the text as typed)."""
    value = _cell(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


class Exporter:
    """One download. Subclasses set ``name`` and ``title`` and write the workbook."""

    name = ""
    title = ""
    formats: tuple[str, ...] = ("xlsx",)

    def write(self, workbook: Workbook) -> None:
        raise NotImplementedError

    def respond(
        self,
        request: HttpRequest,
        *,
        fmt: str = "xlsx",
        target: Row | None = None,
        **audit_data: Any,
    ) -> FileResponse:
        """Audit the export once (who, which list, with what filters) and stream it."""
        from . import audit

        if fmt not in self.formats:
            fmt = self.formats[0]
        audit.log(
            "core.list.exported",
            actor=request.user,
            target=target,
            data={
                "list": self.name,
                "format": fmt,
                "query": request.GET.urlencode()[:500],
                **{k: str(v) for k, v in audit_data.items()},
            },
        )
        if fmt == "csv":
            return self.csv_response()
        return file_response(self.name, self._write_xlsx)

    def _write_xlsx(self, target: IO[bytes]) -> None:
        workbook = new_workbook(target)
        self.write(workbook)
        workbook.close()

    def csv_response(self) -> FileResponse:
        raise NotImplementedError


class ListExporter(Exporter):
    """Headers and rows: one sheet (or a CSV file) with a bold, frozen header row."""

    formats = ("xlsx", "csv")

    def __init__(
        self,
        name: str,
        title: StrOrPromise,
        headers: Iterable[Any],
        rows: Iterable[Iterable[Any]],
    ) -> None:
        self.name, self.title, self._headers, self._rows = name, str(title), headers, rows

    def headers(self) -> list[str]:
        return [str(h) for h in self._headers]

    def rows(self) -> Iterable[Iterable[Any]]:
        return self._rows

    def kinds(self) -> list[str]:
        """Each column's kind of value (core.display), for its cells' number format."""
        return []

    def write(self, workbook: Workbook) -> None:
        sheet = workbook.add_worksheet(self.title[:31])
        bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        headers = self.headers()
        for col, header in enumerate(headers):
            sheet.write_string(0, col, header, bold)
            sheet.set_column(col, col, max(10, len(header) * 2 + 2))
        formats = [workbook.kind_format(kind) for kind in self.kinds()]
        for r, row in enumerate(self.rows(), start=1):
            write_row(sheet, r, row, formats=formats)
        sheet.freeze_panes(1, 0)

    def write_csv(self, target: IO[bytes]) -> None:
        text = io.TextIOWrapper(target, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")  # a BOM, so that Excel opens the UTF-8 file as Chinese text
        writer = csv.writer(text)
        writer.writerow(self.headers())
        for row in self.rows():
            writer.writerow([csv_cell(v) for v in row])
        text.detach()  # the caller's file stays open

    def csv_response(self) -> FileResponse:
        buffer = io.BytesIO()
        self.write_csv(buffer)
        stamp = timezone.localtime().strftime("%Y%m%d%H%M")
        return FileResponse(
            io.BytesIO(buffer.getvalue()),
            as_attachment=True,
            filename=f"{self.name}-{stamp}.csv",
            content_type="text/csv; charset=utf-8",
        )


class TableExporter(ListExporter):
    """A page's list as the user filtered it: its table's columns, the scoped rows."""

    def __init__(
        self,
        name: str,
        title: StrOrPromise,
        table_class: type[Table],
        queryset: QuerySet,
        user: "Visitor | None" = None,
    ) -> None:
        # The columns the user sees on the page, and no others.
        self.columns = table_class.columns_for(user) if user is not None else table_class.columns
        super().__init__(name, title, [c.header for c in self.columns], ())
        self.table_class, self.queryset = table_class, queryset

    def rows(self) -> Iterable[Iterable[Any]]:
        return table_rows(self.table_class, self.queryset, columns=self.columns)

    def kinds(self) -> list[str]:
        return [c.kind for c in self.columns]


# --- Long exports, made by the worker --------------------------------------------------------
# A list export of more than GONGZHI_EXPORT_BACKGROUND_ROWS rows is not written in the
# request: an ExportJob remembers the list page and its filters, the worker (the task
# core.tasks.export_list) builds the same scoped rows as that user and writes the file
# under var/exports, and the user's page shows the progress, then the download.

PROGRESS_EVERY = 2000  # rows between two progress updates
STALE_AFTER = timedelta(hours=1)  # a job unfinished by then was lost with its worker


def wants_background(queryset: QuerySet) -> bool:
    """Whether the export goes to the worker: more rows than the limit (counting stops at
    one more; the worker counts them all for its progress bar)."""
    from django.conf import settings

    limit = settings.GONGZHI_EXPORT_BACKGROUND_ROWS
    return bool(limit) and queryset.order_by()[: limit + 1].count() > limit


def start_background(request: HttpRequest, exporter: "TableExporter", fmt: str) -> Any:
    """Audit the export as ``respond`` does, record the job and hand it to the worker."""
    from . import audit, queue, tasks
    from .models import ExportJob

    assert request.user.pk is not None  # the list views let no one else in
    job = ExportJob.objects.create(
        user_id=request.user.pk,
        name=exporter.name,
        title=exporter.title[:200],
        fmt=fmt,
        path=request.path,
        query=_without_export(request),
    )
    audit.log(
        "core.list.exported",
        actor=request.user,
        target=job,
        data={"list": exporter.name, "format": fmt, "query": job.query[:500], "worker": True},
    )
    queue.after_commit(tasks.export_list, job.pk)
    return job


def _without_export(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("export", None)
    return query.urlencode()


def export_dir() -> Any:
    from django.conf import settings

    folder = settings.VAR_DIR / "exports"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def run_job(job_id: int) -> None:
    """Write the job's file (idempotent: a job already taken is left alone); a failure
    is the job's (its page says so) and the worker's log's."""
    from .models import ExportJob

    taken = ExportJob.objects.filter(pk=job_id, status=ExportJob.QUEUED).update(
        status=ExportJob.RUNNING
    )
    if not taken:
        return
    job = ExportJob.objects.get(pk=job_id)
    try:
        _write_job(job)
    except Exception:
        _fail(job, "生成文件失败")
        raise


def _write_job(job: Any) -> None:
    import os
    import secrets

    from django.contrib.auth import get_user_model
    from django.http import QueryDict
    from django.urls import resolve

    from .models import ExportJob

    user = get_user_model().objects.get(pk=job.user_id)
    if not user.is_active:
        _fail(job, "账号已停用")
        return
    # The list page's own view, as this user with these filters: the same scope, the
    # same filterset, the same columns as the page (and as a direct download).
    request = HttpRequest()
    request.method, request.path = "GET", job.path
    request.GET = QueryDict(job.query)
    request.user = user
    match = resolve(job.path)
    view = match.func.view_class()  # type: ignore[attr-defined]
    view.setup(request, *match.args, **match.kwargs)
    exporter = view.get_exporter()
    job.rows_total = exporter.queryset.count()
    ExportJob.objects.filter(pk=job.pk).update(rows_total=job.rows_total)
    rows = _counting(exporter.rows(), job)
    exporter.rows = lambda: rows
    name = f"{secrets.token_hex(16)}.{job.fmt}"
    folder = export_dir()
    partial = folder / (name + ".part")
    try:
        # Personal data: readable by this service's account only.
        with os.fdopen(
            os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb"
        ) as target:
            if job.fmt == "csv":
                exporter.write_csv(target)
            else:
                exporter._write_xlsx(target)
        os.replace(partial, folder / name)
    finally:
        partial.unlink(missing_ok=True)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.DONE, file=name, rows_done=job.rows_done, finished_at=timezone.now()
    )


def _counting(rows: Iterable[Iterable[Any]], job: Any) -> Iterator[Iterable[Any]]:
    from .models import ExportJob

    for job.rows_done, row in enumerate(rows, start=1):
        if job.rows_done % PROGRESS_EVERY == 0:
            ExportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done)
        yield row


def _fail(job: Any, reason: str) -> None:
    from .models import ExportJob

    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.FAILED, error=reason, finished_at=timezone.now()
    )


def jobs_of(user: "Visitor") -> QuerySet:
    """The user's own export jobs (nobody sees another's, whatever their role)."""
    from .models import ExportJob

    if not user.is_authenticated:
        return ExportJob.objects.none()
    return ExportJob.objects.filter(user_id=user.pk)


def job_file(job: Any) -> Any:
    """The finished file of a job still kept, or None."""
    from pathlib import Path

    if job.status != job.DONE or not job.file or "/" in job.file:
        return None
    path = Path(export_dir()) / job.file
    return path if path.is_file() else None


def prune_jobs(now: datetime | None = None) -> int:
    """Delete the jobs (and their files) older than GONGZHI_EXPORT_KEEP_DAYS; also the
    leftovers of a worker that died while writing (``.part`` files)."""
    from django.conf import settings

    from .models import ExportJob

    now = now or timezone.now()
    # A job not finished within the hour was lost with its worker (or none runs): say so.
    ExportJob.objects.filter(
        status__in=[ExportJob.QUEUED, ExportJob.RUNNING], created_at__lt=now - STALE_AFTER
    ).update(status=ExportJob.FAILED, error="后台任务中断", finished_at=now)
    cutoff = now - timedelta(days=settings.GONGZHI_EXPORT_KEEP_DAYS)
    old = ExportJob.objects.filter(created_at__lt=cutoff)
    folder = export_dir()
    for name in old.exclude(file="").values_list("file", flat=True):
        (folder / name).unlink(missing_ok=True)
    removed, _ = old.delete()
    for part in folder.glob("*.part"):
        if part.stat().st_mtime < cutoff.timestamp():
            part.unlink(missing_ok=True)
    return removed
