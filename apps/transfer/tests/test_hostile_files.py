"""Uploads built to cost far more to read than they weigh: a workbook is a zip of XML, so a
few kilobytes can declare a sheet of millions of cells or unpack to gigabytes. Cost is
measured in cells openpyxl hands over, never in wall-clock time."""

import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_tasks import default_task_backend
from openpyxl import Workbook
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from apps.catalog.models import Product
from apps.transfer import parsing
from apps.transfer.blobs import plan_key
from apps.transfer.models import ImportJob, JobStatus, StoredChunk
from apps.transfer.parsing import FileOverLimit, read_table, xlsx_to_csv
from apps.transfer.services import import_jobs
from apps.transfer.tests.conftest import HEADER as CATALOG_HEADER
from apps.transfer.tests.conftest import csv_bytes, row, run_import

pytestmark = pytest.mark.django_db

HEADER = ["handle", "sku", "price"]
SHEET = "xl/worksheets/sheet1.xml"


def _workbook(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for values in rows:
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _rewritten(raw: bytes, change, extra: dict[str, bytes] | None = None) -> bytes:
    """The same workbook with its first sheet's XML passed through `change`."""
    source = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, change(data) if info.filename == SHEET else data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _declared(raw: bytes, ref: str, last_row: int | None = None) -> bytes:
    """Declare the sheet as `ref`; with `last_row`, also end it with an empty row element
    there, as spreadsheet programs leave behind formatted rows."""

    def change(xml: bytes) -> bytes:
        start = xml.index(b"<dimension ")
        end = xml.index(b"/>", start) + 2
        xml = xml[:start] + f'<dimension ref="{ref}"/>'.encode() + xml[end:]
        if last_row is not None:
            xml = xml.replace(b"</sheetData>", f'<row r="{last_row}"/></sheetData>'.encode())
        return xml

    return _rewritten(raw, change)


def _rows():
    return [["tee", "TEE-1", 5], ["cap", "CAP-1", 7]]


def _catalogue_workbook() -> bytes:
    return _workbook([row("tee", "TEE-1"), row("cap", "CAP-1")], header=CATALOG_HEADER)


@pytest.fixture
def cells_yielded(monkeypatch):
    """Counts the cells openpyxl's read-only sheets yield, padding included."""
    counted = [0]
    original = ReadOnlyWorksheet._cells_by_row

    def counting(self, *args, **kwargs):
        for cells in original(self, *args, **kwargs):
            counted[0] += len(cells)
            yield cells

    monkeypatch.setattr(ReadOnlyWorksheet, "_cells_by_row", counting)
    return counted


def _refused(job) -> bool:
    return (
        job.status == JobStatus.FAILED
        and not Product.objects.exists()
        and not StoredChunk.objects.filter(key=plan_key(job)).exists()
    )


# The web request hands a workbook over unread


def test_an_xlsx_upload_is_handed_to_the_worker_unread(
    client, store, manager, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    reads = []
    real_read_table = import_jobs.read_table
    monkeypatch.setattr(
        import_jobs, "read_table", lambda *a, **kw: reads.append(a) or real_read_table(*a, **kw)
    )
    client.force_login(manager)
    response = client.post(
        reverse("admin:transfer_importjob_new"),
        {
            "kind": "catalog",
            "store": store.pk,
            "file": SimpleUploadedFile("small.xlsx", _catalogue_workbook()),
        },
    )
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("admin:transfer_importjob_job", args=[job.pk])
    assert reads == []
    assert (job.status, job.file_format) == (JobStatus.QUEUED, "xlsx")
    [queued] = default_task_backend.results
    assert (queued.task.name, list(queued.args), queued.id) == (
        "validate_import",
        [job.pk],
        job.task_id,
    )
    progress = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in progress

    import_jobs.validate_import.call(job.pk)
    job.refresh_from_db()
    assert len(reads) == 1
    assert (job.status, job.total_rows, job.created_count) == (JobStatus.PREVIEW, 2, 2)


def test_a_small_csv_upload_is_still_checked_at_once(client, store, manager, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(manager)
    client.post(
        reverse("admin:transfer_importjob_new"),
        {
            "kind": "catalog",
            "store": store.pk,
            "file": SimpleUploadedFile("small.csv", csv_bytes([])),
        },
    )
    assert ImportJob.objects.get().status == JobStatus.PREVIEW
    assert default_task_backend.results == []


# Only the header's columns, only the rows the sheet has


def test_a_declared_sheet_size_is_not_read(cells_yielded):
    bomb = _declared(_workbook(_rows()), "A1:XFD2000")
    with read_table(bomb, name="bomb.xlsx") as table:
        assert table.headers == HEADER
        assert [cells for _n, cells in table.rows()] == [
            ["tee", "TEE-1", "5"],
            ["cap", "CAP-1", "7"],
        ]
    # Three rows of three columns; padded to the declared XFD it was 3 × 16 384.
    assert cells_yielded[0] == 9


def test_a_far_empty_last_row_costs_only_the_headers_columns(cells_yielded):
    bomb = _declared(_workbook(_rows()), "A1:XFD2000", last_row=2000)
    assert len(bomb) < 10_000
    with read_table(bomb, name="bomb.xlsx") as table:
        assert table.estimated_rows == 2
        assert len(list(table.rows())) == 2
    # Rows 4…1999 are missing and come back padded, but 3 wide: it was 2000 × 16 384.
    assert cells_yielded[0] <= 3 * 2000


def test_cells_right_of_the_header_are_not_read(cells_yielded):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["tee", "TEE-1", 5])
    sheet.cell(row=2, column=5000, value="far away")
    out = io.BytesIO()
    workbook.save(out)
    with read_table(out.getvalue(), name="wide.xlsx") as table:
        assert [cells for _n, cells in table.rows()] == [["tee", "TEE-1", "5"]]
    assert cells_yielded[0] == 6


# Caps refuse with a message that names the limit, and nothing is written


def test_more_cells_than_the_cap_is_refused(store, settings):
    settings.TRANSFER_XLSX_MAX_CELLS = 30
    rows = [[f"p{i}", f"P-{i}", i] for i in range(12)]
    job = run_import(store, _workbook(rows), name="big.xlsx")
    assert _refused(job)
    assert job.message == (
        "The sheet has more than 30 cells (rows × the header's 3 columns). "
        "Split it into smaller files."
    )


def test_a_gap_of_a_million_rows_is_counted_against_the_cap(store, settings, cells_yielded):
    settings.TRANSFER_XLSX_MAX_CELLS = 3000
    bomb = _declared(_workbook(_rows()), "A1:C1048576", last_row=1048576)
    job = run_import(store, bomb, name="gap.xlsx")
    assert _refused(job)
    assert "more than 3000 cells" in job.message
    assert cells_yielded[0] <= 3000 + 3


def test_a_header_wider_than_the_cap_is_refused(store, settings):
    settings.TRANSFER_MAX_COLUMNS = 2
    for name, content in (("wide.xlsx", _workbook(_rows())), ("wide.csv", csv_bytes([]))):
        job = run_import(store, content, name=name)
        assert _refused(job)
        assert "The header row has" in job.message and "the limit is 2." in job.message


def _with_declared_size(raw: bytes, part: str, size: int) -> bytes:
    """The zip with its central directory claiming `size` unpacked bytes for `part`."""
    data = bytearray(raw)
    end = data.rindex(b"PK\x05\x06")
    count, _directory_size, entry = struct.unpack_from("<HII", data, end + 10)
    for _i in range(count):
        name_length, extra, comment = struct.unpack_from("<HHH", data, entry + 28)
        if data[entry + 46 : entry + 46 + name_length].decode() == part:
            struct.pack_into("<I", data, entry + 24, size)
        entry += 46 + name_length + extra + comment
    return bytes(data)


def test_a_huge_declared_unpacked_size_is_refused_before_anything_is_unpacked(store, monkeypatch):
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **kw: opened.append(a))
    bomb = _with_declared_size(_workbook(_rows()), SHEET, 0xFFFFFFF0)
    job = run_import(store, bomb, name="bomb.xlsx")
    assert _refused(job)
    assert opened == []
    assert job.message == (
        "The XLSX file unpacks to 4096.0 MB; the limit is 256.0 MB. Split it into smaller files."
    )


def test_a_part_packed_beyond_the_ratio_is_refused(store, monkeypatch):
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **kw: opened.append(a))
    bomb = _rewritten(_workbook(_rows()), lambda xml: xml, {"xl/media/blank.bin": bytes(8 << 20)})
    assert len(bomb) < 100_000
    job = run_import(store, bomb, name="bomb.xlsx")
    assert _refused(job)
    assert opened == []
    assert "A part of the XLSX file (xl/media/blank.bin) unpacks to" in job.message
    assert "the limit is 100 times" in job.message


def test_a_zip_of_too_many_parts_is_refused(store, monkeypatch):
    monkeypatch.setattr(parsing, "MAX_XLSX_PARTS", 12)
    extra = {f"xl/media/{i}.bin": b"x" for i in range(20)}
    job = run_import(store, _rewritten(_workbook(_rows()), lambda xml: xml, extra), name="a.xlsx")
    assert _refused(job)
    assert "parts; the limit is 12." in job.message


def test_an_ordinary_workbook_is_within_every_cap(store):
    job = run_import(store, _catalogue_workbook(), name="ok.xlsx")
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert Product.objects.count() == 2


# The sheet is converted a row at a time


class _RecordingFile:
    def __init__(self):
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return len(text)


def test_the_conversion_writes_row_by_row():
    rows = [[f"p{i}", f"P-{i}", i] for i in range(500)]
    out = _RecordingFile()
    assert xlsx_to_csv(_workbook(rows), out) == 501
    text = "".join(out.writes)
    assert text.startswith("handle,sku,price\np0,P-0,0\n")
    assert len(out.writes) == 501
    assert max(len(piece) for piece in out.writes) < 20 < len(text)


def test_the_converted_sheet_waits_in_a_temporary_file():
    with read_table(_workbook(_rows()), name="a.xlsx") as table:
        assert table.source.fileno() >= 0
    assert table.source.closed


def test_a_refused_workbook_leaves_no_temporary_file(settings, monkeypatch):
    settings.TRANSFER_XLSX_MAX_CELLS = 3
    opened = []
    real = parsing.tempfile.TemporaryFile

    def recording(*args, **kwargs):
        opened.append(real(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(parsing.tempfile, "TemporaryFile", recording)
    with pytest.raises(FileOverLimit):
        read_table(_workbook(_rows()), name="a.xlsx")
    assert [handle.closed for handle in opened] == [True]
