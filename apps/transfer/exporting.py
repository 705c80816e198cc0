"""Turning row iterators into CSV or XLSX without holding the rows: memory stays flat however
many rows a queryset yields."""

import csv
import datetime
import json
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from apps.transfer.parsing import FORMULA_PREFIXES, escape_formula

ROWS_PER_CHUNK = 500


class _Line:
    """csv.writer wants a file; this one hands back what was written."""

    def write(self, value: str) -> str:
        return value


def text_cell(value) -> str:
    # Text and whole numbers are most cells of a big export: they go first.
    kind = type(value)
    if kind is str:
        return escape_formula(value)
    if kind is int:
        return str(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return escape_formula(json.dumps(value, ensure_ascii=False))
    return escape_formula(str(value))


def csv_chunks(
    headers: Iterable[str], rows: Iterable[tuple], progress: Callable[[int], None] | None = None
) -> Iterator[str]:
    """UTF-8 text for a streaming response: a BOM (so Excel reads UTF-8), then rows in chunks."""
    line = csv.writer(_Line())
    yield "\ufeff" + line.writerow(list(headers))
    buffer: list[str] = []
    count = 0
    for row in rows:
        buffer.append(line.writerow([text_cell(v) for v in row]))
        count += 1
        if len(buffer) >= ROWS_PER_CHUNK:
            yield "".join(buffer)
            buffer.clear()
            if progress:
                progress(count)
    if buffer:
        yield "".join(buffer)
    if progress:
        progress(count)


def write_csv(fileobj, headers, rows, progress=None) -> None:
    """Write to a binary file object."""
    for chunk in csv_chunks(headers, rows, progress):
        fileobj.write(chunk.encode("utf-8"))


def write_xlsx(fileobj, headers, rows, progress=None) -> None:
    """A write-only workbook streams rows to disk as it goes."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(headers))
    count = 0
    for row in rows:
        cells = []
        for value in row:
            if isinstance(value, bool | int | float | Decimal):
                cells.append(value)
            elif isinstance(value, datetime.datetime):
                # Spreadsheets have no time zones: write the UTC time the value stands for.
                cells.append(value.astimezone(datetime.UTC).replace(tzinfo=None))
            else:
                text = (
                    ""
                    if value is None
                    else (
                        json.dumps(value, ensure_ascii=False)
                        if isinstance(value, dict | list)
                        else str(value)
                    )
                )
                if text.startswith(FORMULA_PREFIXES):
                    # A typed text cell is never evaluated; the apostrophe keeps the CSV and
                    # XLSX exports alike and is removed again on import.
                    cell = WriteOnlyCell(sheet, value="'" + text)
                    cell.data_type = "s"
                    cells.append(cell)
                else:
                    cells.append(text)
        sheet.append(cells)
        count += 1
        if progress and count % ROWS_PER_CHUNK == 0:
            progress(count)
    if progress:
        progress(count)
    workbook.save(fileobj)
