"""Real-world files: encodings, delimiters, decimal commas, line endings, XLSX quirks."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from apps.catalog.models import Product, ProductVariant
from apps.transfer.models import JobStatus
from apps.transfer.parsing import UnreadableFile, escape_formula, read_table, unescape_formula
from apps.transfer.tests.conftest import HEADER, csv_bytes, row, run_import

pytestmark = pytest.mark.django_db

ROWS = [row("chai", "ЧАЙ-1", "1 234,50", title="Чай «Улун»", option="100 г")]


@pytest.mark.parametrize(
    ("encoding", "delimiter", "line_end", "bom"),
    [
        ("utf-8", ",", "\n", False),
        ("utf-8", ",", "\r\n", True),
        ("utf-8", ";", "\r\n", False),
        ("cp1251", ";", "\r\n", False),
        ("cp1251", ",", "\n", False),
        ("utf-8", "\t", "\n", False),
    ],
)
def test_csv_variants_all_import_the_same(store, encoding, delimiter, line_end, bom):
    content = csv_bytes(ROWS, encoding=encoding, delimiter=delimiter, line_end=line_end)
    if bom:
        content = b"\xef\xbb\xbf" + content
    job = run_import(store, content)
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.errors)
    variant = ProductVariant.objects.get()
    assert (variant.sku, str(variant.price), variant.title) == ("ЧАЙ-1", "1234.50", "100 г")
    assert variant.product.title == "Чай «Улун»"


def test_decimal_point_and_thousands(store):
    content = csv_bytes([row("a", "A", "1,234.50"), row("b", "B", "7.5", title="B")])
    run_import(store, content)
    assert sorted(str(p) for p in ProductVariant.objects.values_list("price", flat=True)) == [
        "1234.50",
        "7.50",
    ]


def _xlsx(rows, trailing_empty=0, numbers=True) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for values in rows:
        cells = list(values)
        if numbers:
            cells[HEADER.index("price")] = float(cells[HEADER.index("price")])
            cells[HEADER.index("low_stock_threshold")] = 5
            cells[HEADER.index("track_inventory")] = True
        sheet.append(cells)
    for index in range(trailing_empty):
        # What Excel and LibreOffice leave behind: formatted cells with nothing in them.
        sheet.cell(row=len(rows) + 2 + index, column=1).number_format = "0.00"
        sheet.cell(row=len(rows) + 2 + index, column=3, value="")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_xlsx_with_numbers_and_trailing_empty_rows(store):
    content = _xlsx([row("a", "A", "19.9"), row("b", "B", "5", title="B")], trailing_empty=50)
    job = run_import(store, content, name="catalog.xlsx")
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert job.total_rows == 2
    assert str(ProductVariant.objects.get(sku="A").price) == "19.90"


def test_xlsx_error_rows_match_the_sheet(store):
    content = _xlsx([row("a", "A", "1"), row("b", "B", "bad", title="B")], numbers=False)
    job = run_import(store, content, name="catalog.xlsx")
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "price")]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.csv", "empty"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "could not be opened"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "a.xls", ".xls"),
        (b"\x00\x00\x00binary", "a.csv", "does not look like"),
        (b"not-an-xlsx", "a.xlsx", "could not be opened"),
        (b"\x98\x98\x98,\xff\n", "a.csv", "encoding"),
    ],
)
def test_unreadable_files_give_one_message(content, name, message):
    with pytest.raises(UnreadableFile) as caught:
        read_table(content, name=name)
    assert message in caught.value.message


def test_unreadable_upload_fails_the_job_with_that_message(store):
    job = run_import(store, b"\x00\x01binary junk", name="x.csv")
    assert job.status == JobStatus.FAILED
    assert "does not look like a CSV" in job.message
    assert not Product.objects.exists()


@pytest.mark.parametrize("value", ["=SUM(A1)", "+1", "-1", "@cmd", "\tx", "\rx"])
def test_formula_escaping_round_trips(value):
    escaped = escape_formula(value)
    assert escaped == "'" + value
    assert unescape_formula(escaped) == value
    assert escape_formula("plain") == "plain"


def test_xlsx_export_escapes_formulas(store, tmp_path):
    from apps.catalog.tests.factories import make_product
    from apps.transfer.services.export_jobs import export_spec, export_write

    make_product(store, title="=cmd|' /C calc'!A0")
    spec = export_spec(kind="catalog", user=None, store=store)
    path = tmp_path / "out.xlsx"
    with open(path, "wb") as handle:
        export_write(spec, handle, file_format="xlsx")
    sheet = load_workbook(path).active
    titles = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert titles == ["'=cmd|' /C calc'!A0"]
    assert sheet.cell(row=2, column=3).data_type == "s"
