"""The CSV dialect of AICC files (`.au`, `.des`, `.cst`, `.ore`, `.pre`, `.cmp`) and HACP tables.

CMI001 quotes every field and separates with commas; tools also write bare
fields, spaces after commas, a BOM, CRLF or LF, blank and `;` comment lines,
short rows and header names in any case. `csv` reads the quoting; this
normalises the rest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from pipeline.manifest.aicc_ini import decode, group_key


@dataclass(frozen=True)
class Table:
    """A CSV table: header names folded (`System_ID` → `system_id`) and rows as lists padded to the header."""

    header: list[str]
    rows: list[list[str]]

    def records(self) -> list[dict[str, str]]:
        """Rows as dicts by header name (a repeated name keeps its first column)."""
        out = []
        for row in self.rows:
            record: dict[str, str] = {}
            for name, value in zip(self.header, row, strict=False):
                record.setdefault(name, value)
            out.append(record)
        return out

    def columns(self, name: str) -> list[int]:
        """Indexes of every column named `name` (`.cst` repeats `member`)."""
        return [index for index, header in enumerate(self.header) if header == name]


def parse_csv(data: str | bytes) -> Table:
    """Read an AICC CSV table; an empty file gives an empty header and no rows."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True, strict=False)
    rows = [[cell.strip() for cell in row] for row in reader if _kept(row)]
    if not rows:
        return Table([], [])
    header = [group_key(name) for name in rows[0]]
    width = len(header)
    body = [row[:width] + [""] * (width - len(row)) if len(row) < width else row for row in rows[1:]]
    return Table(header, body)


def _kept(row: list[str]) -> bool:
    if not any(cell.strip() for cell in row):
        return False
    return not row[0].lstrip().startswith(";")
