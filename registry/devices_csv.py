"""Device CSV import/export: the spreadsheet format ops staff keep, validated row by row.

Columns (header row required; order free): ``dev_eui,name,model,site`` and optionally
``metering_point,pulse_quantity,pulse_weight,register_max,expected_interval_s,tags`` and the
public register's ``purpose,operated_by,installed_at`` (tags as ``key=value;key=value``,
``installed_at`` as an ISO date). Text is checked by the rules of every write path
(``kernel.fields``: lengths, no control characters). Every bad row is reported with its line
number and reason; nothing is imported when any row is bad.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from decoders import MODELS, Quantity
from kernel.csv_cells import Cell, unneutralise, write_csv
from kernel.fields import LABEL_MAX, NAME_MAX, TEXT_MAX, check_tags, check_text
from kernel.types import normalize_eui

REQUIRED = ("dev_eui", "name", "model", "site")
OPTIONAL = (
    "metering_point",
    "pulse_quantity",
    "pulse_weight",
    "register_max",
    "expected_interval_s",
    "tags",
    "purpose",
    "operated_by",
    "installed_at",
)
COLUMNS = REQUIRED + OPTIONAL
TEXT_LIMITS = {
    "name": NAME_MAX,
    "site": NAME_MAX,
    "metering_point": LABEL_MAX,
    "purpose": TEXT_MAX,
    "operated_by": NAME_MAX,
}
MAX_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class DeviceRow:
    """One valid CSV row."""

    line: int
    dev_eui: str
    name: str
    model: str
    site: str
    metering_point: str | None = None
    pulse_quantity: str | None = None
    pulse_weight: float | None = None
    register_max: float | None = None
    expected_interval_s: int | None = None
    tags: dict[str, str] = field(default_factory=dict)
    purpose: str | None = None
    operated_by: str | None = None
    installed_at: date | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """A bad row: its line, the reason in English, and the same as a code with its parameters,
    which the page says in its own language."""

    line: int
    reason: str
    code: str = "invalid"
    params: dict[str, str] = field(default_factory=dict)


class RowProblem(ValueError):
    """Why a row cannot be imported: ``code`` and ``params`` for translation, ``str()`` in English."""

    def __init__(self, code: str, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.code = code
        self.params = {k: str(v) for k, v in params.items()}

    def at(self, line: int) -> RowError:
        return RowError(line, str(self), self.code, self.params)


@dataclass(frozen=True, slots=True)
class CsvReport:
    rows: list[DeviceRow]
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        return not self.errors


def _float(value: str, column: str) -> float | None:
    if not value:
        return None
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        raise RowProblem(
            "not_number", f"{column}: not a number: {value!r}", column=column, value=value
        ) from None
    if number <= 0 or number != number or number == float("inf"):
        raise RowProblem(
            "not_positive", f"{column}: must be a positive number, got {value!r}", column=column, value=value
        )
    return number


def _tags(value: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in value.split(";"))):
        key, sep, val = part.partition("=")
        if not sep or not key.strip():
            raise RowProblem(
                "bad_tags", f"tags: expected key=value pairs separated by ';', got {part!r}", value=part
            )
        tags[key.strip()] = val.strip()
    return tags


def _date(value: str, column: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise RowProblem(
            "bad_date", f"{column}: not a date (YYYY-MM-DD): {value!r}", column=column, value=value
        ) from None


def validate_row(line: int, raw: dict[str, str], seen: dict[str, int]) -> DeviceRow:
    values = {k: (raw.get(k) or "").strip() for k in COLUMNS}
    missing = [k for k in REQUIRED if not values[k]]
    if missing:
        columns = ", ".join(missing)
        raise RowProblem("missing", f"missing value for {columns}", columns=columns)
    try:
        eui = normalize_eui(values["dev_eui"])
    except ValueError as exc:
        raise RowProblem("bad_eui", f"dev_eui: {exc}", value=values["dev_eui"]) from None
    if eui in seen:
        raise RowProblem(
            "duplicate_eui", f"dev_eui {eui} already on line {seen[eui]}", eui=eui, line=seen[eui]
        )
    if values["model"] not in MODELS:
        model = values["model"]
        raise RowProblem("unknown_model", f"model: unknown model {model!r}", value=model)
    pulse_quantity = values["pulse_quantity"] or None
    if pulse_quantity is not None and pulse_quantity not in {q.value for q in Quantity}:
        raise RowProblem(
            "unknown_quantity", f"pulse_quantity: unknown quantity {pulse_quantity!r}", value=pulse_quantity
        )
    pulse_weight = _float(values["pulse_weight"], "pulse_weight")
    if (pulse_quantity is None) != (pulse_weight is None):
        raise RowProblem("pulse_pair", "pulse_quantity and pulse_weight go together")
    interval = _float(values["expected_interval_s"], "expected_interval_s")
    for column, limit in TEXT_LIMITS.items():
        try:
            check_text(values[column], column, limit)
        except ValueError as exc:
            raise RowProblem("bad_text", str(exc), column=column, limit=limit) from None
    try:
        tags = check_tags(_tags(values["tags"]))
    except RowProblem:
        raise
    except ValueError as exc:
        raise RowProblem("bad_tags", str(exc), value=values["tags"]) from None
    row = DeviceRow(
        line=line,
        dev_eui=eui,
        name=values["name"],
        model=values["model"],
        site=values["site"],
        metering_point=values["metering_point"] or None,
        pulse_quantity=pulse_quantity,
        pulse_weight=pulse_weight,
        register_max=_float(values["register_max"], "register_max"),
        expected_interval_s=int(interval) if interval is not None else None,
        tags=tags,
        purpose=values["purpose"] or None,
        operated_by=values["operated_by"] or None,
        installed_at=_date(values["installed_at"], "installed_at"),
    )
    seen[eui] = line
    return row


def decode_csv(data: bytes) -> tuple[str, str]:
    """A spreadsheet's bytes as text, the same for every path (the page, the API, the CLI): UTF-8
    (with or without its BOM), UTF-16 with its BOM ("Unicode text" exports), else Windows-1252,
    the usual export of a French spreadsheet on Windows (Latin-1 for its five unused bytes).
    Returns the text and the encoding read."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else "windows-1252"
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def parse_devices_csv(text: str) -> CsvReport:
    """Validate a whole CSV document; never raises on bad content."""
    if text.startswith("\ufeff"):
        text = text[1:]  # the BOM spreadsheet programs write
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        return CsvReport([], [RowError(1, "empty file: a header row is required", "empty")])
    reader.fieldnames = header
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    errors: list[RowError] = []
    if missing:
        names = ", ".join(missing)
        errors.append(RowError(1, f"header: missing column(s) {names}", "header_missing", {"columns": names}))
    if unknown:
        names = ", ".join(unknown)
        errors.append(RowError(1, f"header: unknown column(s) {names}", "header_unknown", {"columns": names}))
    if errors:
        return CsvReport([], errors)
    rows: list[DeviceRow] = []
    seen: dict[str, int] = {}
    try:
        for raw in reader:
            line = reader.line_num
            if line > MAX_ROWS + 1:
                errors.append(
                    RowError(line, f"too many rows (at most {MAX_ROWS})", "too_many", {"max": str(MAX_ROWS)})
                )
                break
            if None in raw:
                errors.append(RowError(line, "more fields than header columns", "extra_fields"))
                continue
            if not any((v or "").strip() for v in raw.values()):
                continue
            # A cell releve neutralised on export (a name starting with "=") reads back as it was.
            cells = {k: unneutralise((v or "").strip()) for k, v in raw.items()}
            try:
                rows.append(validate_row(line, cells, seen))
            except RowProblem as exc:
                errors.append(exc.at(line))
    except csv.Error as exc:
        errors.append(RowError(reader.line_num, f"unreadable CSV: {exc}", "unreadable"))
    return CsvReport(rows, errors)


def devices_to_csv(rows: Iterable[Mapping[str, Cell | Mapping[str, str]]]) -> str:
    """Write devices in the import format (a round trip gives the same registry; formula cells
    are neutralised, see kernel.csv_cells)."""

    def cells(row: Mapping[str, Cell | Mapping[str, str]]) -> list[Cell]:
        out: list[Cell] = []
        for column in COLUMNS:
            value = row.get(column)
            if isinstance(value, Mapping):  # the tags
                value = ";".join(f"{k}={v}" for k, v in sorted(value.items()))
            out.append(value)
        return out

    return write_csv(COLUMNS, (cells(row) for row in rows))
