"""Reading the files people actually have: CSV in any of the usual encodings and delimiters,
XLSX from Excel or LibreOffice. Everything is turned into rows of stripped strings once, so the
importers never care where a file came from.

A workbook is a zip of XML, so a small upload can unpack, or declare, far more than it holds:
it is read with caps (parts, unpacked bytes, compression ratio, columns, cells) and only in
the task worker or a management command, never inside a web request."""

import csv
import datetime
import io
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_DELIMITERS = (",", ";", "\t")


class UnreadableFile(ApplicationError):
    code = "unreadable_file"


class FileOverLimit(UnreadableFile):
    code = "file_over_limit"


# A workbook is a few dozen parts; zipfile builds an object per part before anything is read.
MAX_XLSX_PARTS = 10_000
# Below this a part is too small to matter whatever its ratio (and tiny parts compress oddly).
RATIO_GRACE_BYTES = 1024 * 1024
_END_OF_DIRECTORY = b"PK\x05\x06"
_END_OF_DIRECTORY_SEARCH = 22 + 65535


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


def _open_failed() -> UnreadableFile:
    return UnreadableFile(
        _("The XLSX file could not be opened. Save it again from your spreadsheet program.")
    )


def check_xlsx_archive(raw: bytes) -> None:
    """Refuse a workbook that would unpack to more than the caps, judged by what its zip
    directory declares, before anything is decompressed. zipfile stops every part at its
    declared size (a part that holds more fails its CRC check), so the declaration binds."""
    end = raw.rfind(_END_OF_DIRECTORY, max(0, len(raw) - _END_OF_DIRECTORY_SEARCH))
    if end < 0 or end + 22 > len(raw):
        raise _open_failed()
    (parts,) = struct.unpack_from("<H", raw, end + 10)
    if parts > MAX_XLSX_PARTS:
        raise FileOverLimit(
            _(
                "The XLSX file holds %(count)s parts; the limit is %(limit)s. Save the sheet "
                "again from your spreadsheet program, or as CSV."
            )
            % {"count": parts, "limit": MAX_XLSX_PARTS}
        )
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, struct.error):
        raise _open_failed() from None
    limit = settings.TRANSFER_XLSX_MAX_UNPACKED_BYTES
    unpacked = sum(member.file_size for member in members)
    if unpacked > limit:
        raise FileOverLimit(
            _(
                "The XLSX file unpacks to %(size)s MB; the limit is %(limit)s MB. Split it "
                "into smaller files."
            )
            % {"size": round(unpacked / 1048576, 1), "limit": round(limit / 1048576, 1)}
        )
    max_ratio = settings.TRANSFER_XLSX_MAX_RATIO
    for member in members:
        if member.file_size <= RATIO_GRACE_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > max_ratio:
            raise FileOverLimit(
                _(
                    "A part of the XLSX file (%(part)s) unpacks to %(ratio)s times its packed "
                    "size; the limit is %(limit)s times. Save the sheet again from your "
                    "spreadsheet program, or as CSV."
                )
                % {"part": member.filename, "ratio": round(ratio), "limit": max_ratio}
            )


def _check_columns(count: int) -> None:
    limit = settings.TRANSFER_MAX_COLUMNS
    if count > limit:
        raise FileOverLimit(
            _("The header row has %(count)s columns; the limit is %(limit)s.")
            % {"count": count, "limit": limit}
        )


def _trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def xlsx_to_csv(raw: bytes, out: TextIO) -> int:
    """Write the first sheet to `out` as CSV, a row at a time, and return the lines written.

    Only the header's columns are read, up to the last row the sheet really has. The sheet's
    declared size is ignored: a few bytes of XML can declare 16 384 columns by a million rows,
    and openpyxl's read-only mode pads every row it yields to that width."""
    check_xlsx_archive(raw)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise _open_failed() from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        first = next(sheet.iter_rows(max_row=1, values_only=True), ())
        header = _trimmed([_cell(v) for v in first])
        if not header:
            raise UnreadableFile(_("The file has no header row."))
        width = len(header)
        _check_columns(width)
        max_cells = settings.TRANSFER_XLSX_MAX_CELLS
        # Rows missing between two real ones come back padded too: they count as read.
        cells_read = width
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        lines = 1
        pending_empty = 0
        for values in sheet.iter_rows(min_row=2, max_col=width, values_only=True):
            cells_read += width
            if cells_read > max_cells:
                raise FileOverLimit(
                    _(
                        "The sheet has more than %(limit)s cells (rows × the header's "
                        "%(columns)s columns). Split it into smaller files."
                    )
                    % {"limit": max_cells, "columns": width}
                )
            cells = _trimmed([_cell(v) for v in values])
            if not cells:
                # Excel and LibreOffice keep formatted-but-empty rows; only keep blank rows
                # that have data after them, so row numbers still match the sheet.
                pending_empty += 1
                continue
            for _i in range(pending_empty):
                writer.writerow([])
            lines += pending_empty + 1
            pending_empty = 0
            writer.writerow(cells)
        return lines
    except (
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        KeyError,
        OSError,
        ValueError,
        TypeError,
        IndexError,
    ):
        raise UnreadableFile(
            _("The XLSX file could not be read. Save it again from your spreadsheet program.")
        ) from None
    finally:
        workbook.close()


@dataclass
class Table:
    """A file read once into CSV text in a temporary file (a workbook is written there a row
    at a time). `rows()` can be walked as often as needed, one walk at a time; `close()`, or
    the end of a `with` block, removes the file."""

    source: TextIO
    delimiter: str
    headers: list[str]
    raw_headers: list[str]
    estimated_rows: int

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(spreadsheet row number, cells) for every non-empty data row; the header is row 1."""
        self.source.seek(0)
        reader = csv.reader(self.source, delimiter=self.delimiter)
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

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> "Table":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


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
    source = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")  # noqa: SIM115
    try:
        if detect_format(name, raw) == "xlsx":
            lines, delimiter = xlsx_to_csv(raw, source), ","
        else:
            text = _decode(raw)
            delimiter = _sniff_delimiter(text)
            lines = text.count("\n")
            source.write(text)
            del text
        source.seek(0)
        try:
            raw_headers = _trimmed(next(csv.reader(source, delimiter=delimiter), []))
        except csv.Error:
            raise UnreadableFile(
                _("The first row of the file is not a valid header row.")
            ) from None
        if not raw_headers:
            raise UnreadableFile(_("The file has no header row."))
        _check_columns(len(raw_headers))
    except BaseException:
        source.close()
        raise
    return Table(
        source=source,
        delimiter=delimiter,
        headers=[normalise_header(h) for h in raw_headers],
        raw_headers=[h.strip().strip("\ufeff") for h in raw_headers],
        estimated_rows=max(lines - 1, 0),
    )
