"""Reading abonents from CSV (`,`/`;`, UTF-8/CP1251), XLSX (first sheet) or JSON into batches.

Pure and synchronous (no database): the service steps the batch generator in a worker thread and
writes each batch, so a million-row file never sits in memory. Every bad row is reported by its
place (`rows[17].phone`: line 17 of the file; `abonents[3].phone`: the JSON item 3).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _quote
from typing import IO, Any

from voicebox.errors import Problem
from voicebox.phones import PhoneError, PhoneNormalizer

BATCH_SIZE = 5000
MAX_LISTED_ERRORS = 100
MAX_COLUMNS = 100
MAX_VALUE_LENGTH = 1000
MAX_NAME_LENGTH = 64
_PROBE_BYTES = 1 << 16


def _to_json(variables: dict[str, str]) -> str:
    """A flat object of strings as JSON text: what json.dumps gives, at a third of the cost."""
    return "{" + ", ".join(f"{_quote(k)}: {_quote(v)}" for k, v in variables.items()) + "}"


# (row number, E.164 phone, variables as JSON text, IANA zone or None)
Row = tuple[int, str, str, str | None]


@dataclass
class AbonentReader:
    """Validates rows into batches and collects every problem (the first 100 listed)."""

    required: Sequence[str] = ()
    batch_size: int = BATCH_SIZE
    normalizer: PhoneNormalizer = field(default_factory=PhoneNormalizer)
    problems: list[Problem] = field(default_factory=list)
    bad_rows: int = 0
    rows: int = 0
    _listed_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def all_problems(self) -> list[Problem]:
        """The listed problems, plus one saying how many more there were."""
        listed = list(self.problems)
        hidden = self.bad_rows - self._listed_rows
        if hidden > 0:
            listed.append(Problem("abonents", f"{hidden} more bad row(s) not listed"))
        return listed

    def _problem(self, name: str, message: str, *, row: bool = True) -> None:
        listed = len(self.problems) < MAX_LISTED_ERRORS
        if listed:
            self.problems.append(Problem(name, message))
        if row:
            self.bad_rows += 1
            self._listed_rows += listed

    # -- a file: CSV or XLSX -------------------------------------------------------------------

    def file_batches(self, stream: IO[bytes]) -> Iterator[list[Row]]:
        """CSV, or XLSX when the file is a ZIP archive (its first sheet, the same columns)."""
        # A generator, so the workbook is read where batches are stepped (a worker thread).
        head = stream.read(len(_ZIP_MAGIC))
        stream.seek(0)
        if head != _ZIP_MAGIC:
            yield from self.csv_batches(stream)
            return
        try:
            converted = _xlsx_as_csv(stream)
        except Exception:  # openpyxl raises many kinds for a broken archive or workbook
            self._problem("abonents", "the file is not a readable XLSX workbook", row=False)
            return
        with converted:
            yield from self.csv_batches(converted)

    def csv_batches(self, stream: IO[bytes]) -> Iterator[list[Row]]:
        text = io.TextIOWrapper(stream, encoding=_sniff_encoding(stream), newline="")
        try:
            header_line = text.readline()
        except UnicodeDecodeError:
            self._problem("abonents", "the file is neither UTF-8 nor CP1251 text", row=False)
            return
        delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        header = next(csv.reader([header_line], delimiter=delimiter), [])
        columns = self._columns(header)
        if columns is None:
            return
        phone_at, names = columns
        reader = csv.reader(text, delimiter=delimiter)
        width = len(header)
        where = [i for i, _ in names]
        keys = [_quote(name) + ": " for _, name in names]
        normalise = self.normalizer
        batch: list[Row] = []
        try:
            # The hot loop of a million-row import: nothing in it that a row does not need.
            for values in reader:
                if len(values) != width:
                    if not values or (len(values) == 1 and not values[0].strip()):
                        continue
                    self.rows += 1
                    line = reader.line_num + 1
                    self._problem(
                        f"rows[{line}]", f"has {len(values)} fields but the header has {width}"
                    )
                    continue
                self.rows += 1
                texts = [values[i].strip() for i in where]
                try:
                    phone = normalise(values[phone_at])
                except PhoneError as error:
                    raw = values[phone_at]
                    if not raw.strip() and width == 1:
                        self.rows -= 1  # a blank line of a one-column file
                        continue
                    self._problem(f"rows[{reader.line_num + 1}].phone", f"{error}: {raw[:40]!r}")
                    continue
                if texts and max(map(len, texts)) > MAX_VALUE_LENGTH:
                    self._too_long(f"rows[{reader.line_num + 1}]", names, texts)
                    continue
                if self.problems:
                    continue
                body = ", ".join(
                    [key + _quote(text) for key, text in zip(keys, texts, strict=True)]
                )
                batch.append((reader.line_num + 1, phone.e164, "{" + body + "}", phone.timezone))
                if len(batch) >= self.batch_size:
                    yield batch
                    batch = []
        except UnicodeDecodeError:
            self._problem("abonents", "the file is not valid UTF-8 text after the start", row=False)
        except csv.Error as error:
            self._problem(f"rows[{reader.line_num + 1}]", f"not valid CSV: {error}")
        if batch and self.ok:
            yield batch

    def _columns(self, header: list[str]) -> tuple[int, list[tuple[int, str]]] | None:
        """Where `phone` is and the other columns' names; problems when the header is wrong."""
        cleaned = [name.strip().lstrip("\ufeff") for name in header]
        lowered = [name.lower() for name in cleaned]
        if "phone" not in lowered:
            self._problem("abonents", "the CSV header must have a `phone` column", row=False)
            return None
        if len(cleaned) > MAX_COLUMNS:
            self._problem("abonents", f"at most {MAX_COLUMNS} columns", row=False)
            return None
        seen: set[str] = set()
        for name in cleaned:
            if not name or len(name) > MAX_NAME_LENGTH:
                message = f"column names must be 1-{MAX_NAME_LENGTH} characters"
                self._problem("abonents", message, row=False)
                return None
            if name in seen:
                self._problem("abonents", f"column `{name}` appears twice", row=False)
                return None
            seen.add(name)
        missing = [name for name in self.required if name not in seen]
        if missing:
            self._problem(
                "abonents",
                "the scenario's variables need columns: " + ", ".join(missing),
                row=False,
            )
            return None
        phone_at = lowered.index("phone")
        return phone_at, [(i, n) for i, n in enumerate(cleaned) if i != phone_at]

    # -- JSON ----------------------------------------------------------------------------------

    def json_batches(self, items: Iterable[Any]) -> Iterator[list[Row]]:
        batch: list[Row] = []
        for index, item in enumerate(items):
            self.rows += 1
            prefix = f"abonents[{index}]"
            if isinstance(item, str):
                item = {"phone": item}
            if not isinstance(item, dict):
                self._problem(prefix, "must be an object with `phone` or a phone string")
                continue
            variables = self._json_variables(prefix, item)
            if variables is None:
                continue
            row = self._row(index, prefix, item.get("phone"), variables)
            if row is not None and self.ok:
                batch.append(row)
                if len(batch) >= self.batch_size:
                    yield batch
                    batch = []
        if batch and self.ok:
            yield batch

    def _json_variables(self, prefix: str, item: dict[str, Any]) -> dict[str, str] | None:
        extra = item.get("variables")
        merged = {k: v for k, v in item.items() if k not in ("phone", "variables")}
        if isinstance(extra, dict):
            merged.update(extra)
        elif extra is not None:
            self._problem(f"{prefix}.variables", "must be an object")
            return None
        if len(merged) >= MAX_COLUMNS:
            self._problem(prefix, f"at most {MAX_COLUMNS - 1} variables")
            return None
        variables: dict[str, str] = {}
        for key, value in merged.items():
            if not key or len(key) > MAX_NAME_LENGTH:
                self._problem(prefix, f"variable names must be 1-{MAX_NAME_LENGTH} characters")
                return None
            if isinstance(value, dict | list):
                self._problem(f"{prefix}.{key}", "must be a string, number or boolean")
                return None
            variables[key] = "" if value is None else _text(value)
        missing = [name for name in self.required if name not in variables]
        if missing:
            self._problem(prefix, "the scenario's variables are missing: " + ", ".join(missing))
            return None
        return variables

    def _too_long(self, prefix: str, names: list[tuple[int, str]], texts: list[str]) -> None:
        for (_, name), text in zip(names, texts, strict=True):
            if len(text) > MAX_VALUE_LENGTH:
                self._problem(f"{prefix}.{name}", f"longer than {MAX_VALUE_LENGTH} characters")
                return

    # -- one row -------------------------------------------------------------------------------

    def _row(self, number: int, prefix: str, raw: Any, variables: dict[str, str]) -> Row | None:
        if not isinstance(raw, str | int) or isinstance(raw, bool):
            self._problem(f"{prefix}.phone", "is required (a string)")
            return None
        for key, value in variables.items():
            if len(value) > MAX_VALUE_LENGTH:
                self._problem(f"{prefix}.{key}", f"longer than {MAX_VALUE_LENGTH} characters")
                return None
        try:
            phone = self.normalizer(str(raw))
        except PhoneError as error:
            self._problem(f"{prefix}.phone", f"{error}: {str(raw)[:40]!r}")
            return None
        return number, phone.e164, _to_json(variables), phone.timezone


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


_ZIP_MAGIC = b"PK\x03\x04"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number
    return str(value)


def _xlsx_as_csv(stream: IO[bytes]) -> IO[bytes]:
    """The workbook's first sheet as UTF-8 CSV, row for row (sheet row N is CSV line N).

    Spooled to disk past 16 MB, so a big sheet costs no more memory than the CSV reader does.
    """
    import tempfile

    from openpyxl import load_workbook

    workbook = load_workbook(stream, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        spool = tempfile.SpooledTemporaryFile(max_size=16 << 20)  # noqa: SIM115 (returned)
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="", write_through=True)
        writer = csv.writer(text, lineterminator="\n")
        for row in sheet.iter_rows(values_only=True):
            # Newlines inside a cell would shift the line numbers the errors name.
            writer.writerow([_cell_text(v).replace("\r", " ").replace("\n", " ") for v in row])
        text.detach()
    finally:
        workbook.close()
    spool.seek(0)
    return spool


def _sniff_encoding(stream: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) when the start decodes as UTF-8, else CP1251."""
    head = stream.read(_PROBE_BYTES)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multibyte character cut by the probe's end is not evidence against UTF-8.
        if error.start < len(head) - 3 or len(head) < _PROBE_BYTES:
            return "cp1251"
    return "utf-8"
