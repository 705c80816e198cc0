"""Reading the files people actually have: CSV in any of the usual encodings and delimiters,
XLSX from Excel or LibreOffice. Everything is turned into rows of stripped strings once, so the
importers never care where a file came from."""

import csv
import datetime
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (",", ";", "\t")


class UnreadableFile(ApplicationError):
    code = "unreadable_file"


def escape_formula(value: str) -> str:
    """A text cell a spreadsheet would run as a formula gets a leading apostrophe."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo escape_formula, so an exported file imports back unchanged."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def normalise_header(name: str) -> str:
    name = name.strip().strip("\ufeff").strip().lower()
    for char in (" ", "-", "/", "."):
        name = name.replace(char, "_")
    while "__" in name:
        name = name.replace("__", "_")
    return name.strip("_")


def _decode(raw: bytes) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(_("The file is not valid UTF-16 text.")) from None
    if b"\x00" in raw[:4096]:
        raise UnreadableFile(
            _("This does not look like a CSV or XLSX file. Save it as CSV (UTF-8) or XLSX.")
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        # The other encoding Russian-language Excel writes CSV in.
        return raw.decode("cp1251")
    except UnicodeDecodeError:
        raise UnreadableFile(
            _("The file's text encoding is not recognised. Save it as CSV (UTF-8) or XLSX.")
        ) from None


def _sniff_delimiter(text: str) -> str:
    first_line = text.split("\n", 1)[0]
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _xlsx_to_csv_text(raw: bytes) -> str:
    """Flatten the first sheet into CSV text: one compact copy both validation passes read."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise UnreadableFile(
            _("The XLSX file could not be opened. Save it again from your spreadsheet program.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        pending_empty = 0
        for values in sheet.iter_rows(values_only=True):
            cells = [_cell(v) for v in values]
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                # Excel and LibreOffice keep formatted-but-empty rows; only keep blank rows
                # that have data after them, so row numbers still match the sheet.
                pending_empty += 1
                continue
            for _i in range(pending_empty):
                writer.writerow([])
            pending_empty = 0
            writer.writerow(cells)
        return out.getvalue()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError):
        raise UnreadableFile(
            _("The XLSX file could not be read. Save it again from your spreadsheet program.")
        ) from None
    finally:
        workbook.close()


@dataclass
class Table:
    """A file read into text once; `rows()` can be walked as often as needed."""

    text: str
    delimiter: str
    headers: list[str]
    raw_headers: list[str]
    estimated_rows: int

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) for every non-empty data row; the header is row 1."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        try:
            next(reader, None)
            for number, cells in enumerate(reader, start=2):
                if not any(c.strip() for c in cells):
                    continue
                yield number, [unescape_formula(c.strip()) for c in cells]
        except csv.Error as error:
            raise UnreadableFile(
                _("The CSV file is malformed near row %(row)s: %(error)s")
                % {"row": reader.line_num, "error": error}
            ) from None


def detect_format(name: str, raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        return "xlsx"
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            _("Old Excel .xls files are not supported. Save the sheet as .xlsx or CSV.")
        )
    if name.lower().endswith(".xlsx"):
        raise UnreadableFile(
            _("The XLSX file could not be opened. Save it again from your spreadsheet program.")
        )
    return "csv"


def read_table(raw: bytes, *, name: str = "") -> Table:
    if not raw.strip():
        raise UnreadableFile(_("The file is empty."))
    file_format = detect_format(name, raw)
    if file_format == "xlsx":
        text, delimiter = _xlsx_to_csv_text(raw), ","
    else:
        text = _decode(raw)
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        raw_headers = next(reader, [])
    except csv.Error:
        raise UnreadableFile(_("The first row of the file is not a valid header row.")) from None
    while raw_headers and not raw_headers[-1].strip():
        raw_headers.pop()
    if not raw_headers:
        raise UnreadableFile(_("The file has no header row."))
    return Table(
        text=text,
        delimiter=delimiter,
        headers=[normalise_header(h) for h in raw_headers],
        raw_headers=[h.strip().strip("\ufeff") for h in raw_headers],
        estimated_rows=max(text.count("\n") - 1, 0),
    )
