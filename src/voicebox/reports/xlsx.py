"""A minimal streaming XLSX writer: rows go straight into a deflated zip entry as sheet XML with
inline strings, so memory stays flat whatever the row count (xlsxwriter's constant-memory mode
measured ~50x slower here). Sheets roll over at Excel's 1,048,576-row limit."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape  # sheet and workbook names

MAX_ROWS = 1_048_576
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet {_NS} xmlns:r="{_REL_NS}"><sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    "</sheetView></sheetViews><sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f"<styleSheet {_NS}>"
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def column_letters(count: int) -> list[str]:
    letters = []
    for index in range(count):
        name, n = "", index + 1
        while n:
            n, rem = divmod(n - 1, 26)
            name = chr(65 + rem) + name
        letters.append(name)
    return letters


# One pass over the text: XML-escape, and drop the control characters XML 1.0 forbids.
_XML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;",
                      **{chr(c): None for c in range(32) if chr(c) not in "\t\n\r"},
                      "\ufffe": None, "\uffff": None})


def _cell(ref: str, value: Any, style: str = "") -> str:
    kind = type(value)
    if kind is int or kind is float or kind is Decimal:
        return f'<c r="{ref}"{style}><v>{value}</v></c>'
    if value is None or value == "":
        return ""
    if kind is bool:
        value = "yes" if value else "no"
    text = str(value).translate(_XML)
    if not text:
        return ""
    space = ' xml:space="preserve"' if text[0].isspace() or text[-1].isspace() else ""
    return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


class XlsxWriter:
    """`with XlsxWriter(path_or_file, header) as book: book.write_rows(rows)`."""

    def __init__(self, target: Path | IO[bytes], header: Sequence[str], *,
                 sheet_name: str = "Report", max_rows: int = MAX_ROWS):
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED,
                                    compresslevel=1, allowZip64=True)
        self.header = list(header)
        self.sheet_name = sheet_name
        self.max_rows = max_rows
        self._letters = column_letters(len(self.header))
        self._sheets = 0
        self._stream: IO[bytes] | None = None
        self._row = 0
        self.rows = 0

    def __enter__(self) -> XlsxWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_sheet(self) -> None:
        self._close_sheet()
        self._sheets += 1
        self._stream = self._zip.open(f"xl/worksheets/sheet{self._sheets}.xml", "w",
                                      force_zip64=True)
        self._stream.write(_SHEET_HEAD.encode())
        self._row = 0
        self._write([self.header], style=' s="1"')

    def _close_sheet(self) -> None:
        if self._stream is not None:
            self._stream.write(_SHEET_TAIL.encode())
            self._stream.close()
            self._stream = None

    def _write(self, rows: Iterable[Sequence[Any]], style: str = "") -> None:
        assert self._stream is not None
        letters = self._letters
        parts: list[str] = []
        for values in rows:
            self._row += 1
            n = self._row
            cells = "".join(_cell(f"{letters[i]}{n}", v, style) for i, v in enumerate(values))
            parts.append(f'<row r="{n}">{cells}</row>')
        self._stream.write("".join(parts).encode())

    def write_rows(self, rows: Sequence[Sequence[Any]]) -> None:
        start = 0
        while start < len(rows):
            if self._stream is None or self._row >= self.max_rows:
                self._open_sheet()
            room = self.max_rows - self._row
            chunk = rows[start:start + room]
            self._write(chunk)
            self.rows += len(chunk)
            start += len(chunk)

    def close(self) -> None:
        if self._zip.fp is None:
            return
        if self._stream is None:
            self._open_sheet()
        self._close_sheet()
        self._write_parts()
        self._zip.close()

    def _write_parts(self) -> None:
        sheets = range(1, self._sheets + 1)
        name = escape(self.sheet_name[:25])
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in sheets)
        self._zip.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"))
        self._zip.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"))
        titles = "".join(
            f'<sheet name="{name}{"" if i == 1 else f" {i}"}" sheetId="{i}" r:id="rId{i}"/>'
            for i in sheets)
        self._zip.writestr("xl/workbook.xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook {_NS} xmlns:r="{_REL_NS}"><sheets>{titles}</sheets></workbook>'))
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>' for i in sheets)
        self._zip.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships">{rels}<Relationship Id="rId{self._sheets + 1}" '
            f'Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>'))
        self._zip.writestr("xl/styles.xml", _STYLES)
