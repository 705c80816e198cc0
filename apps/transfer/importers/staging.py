"""What every kind of import shares: the staged preview and plan, and how a file's columns and
rows are found."""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from apps.transfer.parsing import Table

QUERY_CHUNK = 2000
MAX_ERRORS_KEPT = 1000
MAX_CHANGES_SHOWN = 25
PROGRESS_EVERY_ROWS = 5000

Progress = Callable[[int], None]
# What is wrong with a cell: (column, the cell as given, a message for people). The cell is
# None when the file has no such column.
Problem = tuple[str, str | None, str]

T = TypeVar("T")


@dataclass
class Staged:
    """Everything the preview found, and the plan apply will write."""

    kind: str
    headers: list[str]
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    skipped: int = 0
    error_count: int = 0
    errors: list[dict[str, object]] = field(default_factory=list)
    failed_rows: list[tuple[int, list[str], str]] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # What apply writes, as it is stored: JSON, whose shape each kind of file decides.
    plan: dict[str, Any] = field(default_factory=dict)

    @property
    def error_rows(self) -> int:
        return len(self.failed_rows)

    def add_errors(self, row: int, cells: list[str], errors: list[Problem]) -> None:
        for column, value, message in errors:
            self.error_count += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(
                    {"row": row, "column": column, "value": value, "message": message}
                )
        self.failed_rows.append((row, cells, "; ".join(f"{c}: {m}" for c, _v, m in errors)))

    @property
    def wants_changes(self) -> bool:
        return len(self.changes) < MAX_CHANGES_SHOWN

    def note_change(self, text: str) -> None:
        """Callers check wants_changes first, so the message is only built when shown."""
        self.changes.append(text)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "headers": self.headers,
            "failed_rows": self.failed_rows,
            "plan": self.plan,
        }


def counted_rows(
    staged: Staged, table: Table, progress: Progress | None
) -> Iterator[tuple[int, list[str]]]:
    """The table's (row number, cells), counted on `staged` and reported now and then."""
    for number, cells in table.rows():
        staged.total_rows += 1
        if progress and staged.total_rows % PROGRESS_EVERY_ROWS == 0:
            progress(staged.total_rows)
        yield number, cells


def plan_size(plan: dict[str, Any]) -> int:
    """How many units of work apply will report progress over."""
    return sum(len(entries) for entries in plan.values())


def column_map(
    table: Table, columns: Iterable[str], aliases: dict[str, str]
) -> tuple[dict[str, int], list[str]]:
    """canonical column → index in the file; and the header cells nobody reads."""
    known = set(columns)
    mapping: dict[str, int] = {}
    ignored = []
    for index, header in enumerate(table.headers):
        name = aliases.get(header, header)
        if name in known and name not in mapping:
            mapping[name] = index
        elif header:
            ignored.append(table.raw_headers[index])
    return mapping, ignored


def missing_columns(staged: Staged, columns: dict[str, int], required: Iterable[str]) -> bool:
    missing = [name for name in required if name not in columns]
    for name in missing:
        staged.add_errors(1, [], [(name, "", _("required column is missing"))])
    return bool(missing)


def chunks(items: list[T], size: int = QUERY_CHUNK) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Row:
    __slots__ = ("cells", "columns")

    def __init__(self, cells: list[str], columns: dict[str, int]) -> None:
        self.cells = cells
        self.columns = columns

    def get(self, name: str) -> str | None:
        """None: the file has no such column. "": the column is there, the cell is empty."""
        index = self.columns.get(name)
        if index is None:
            return None
        return self.cells[index] if index < len(self.cells) else ""

    def required(self, name: str) -> str:
        """The cell of a column every file of its kind has (missing_columns refused the rest)."""
        index = self.columns[name]
        return self.cells[index] if index < len(self.cells) else ""


def json_values(values: dict[str, object]) -> dict[str, object]:
    """A plan is stored as JSON: amounts travel as their exact text."""
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}
