"""Reading a labor extract in parts, so that a month-end file never sits in memory whole.

A CSV extract in a long layout is cut into slices of about PART_BYTES at line ends. Each
slice is read column by column (ingest.labor_columns) into a LaborExtract of its own rows,
with the line numbers of the whole file. The labor batch surveys the parts once for what
needs the whole file (checks.labor_validation), then validates and stages them one at a
time. Iterating LaborParts again reads the file again, so only one part is held at a time.

Every other file is read whole by read_labor_extract and is its own single part: XLSX
workbooks, layouts the column path does not take, and files that fit in one slice. A file
that turns out not to cut cleanly is read whole as well (see ReadWhole).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from ingest.labor_columns import line_breaks_are_bytes, physical_line_count, read_csv_table, reads_column_wise
from ingest.labor_reader import LaborExtract, TableReader, read_labor_extract
from ingest.mapping import LaborMapping

# About 90,000 rows of a typical timecard export, whose frames take about 100 MiB.
PART_BYTES = 8 * 1024 * 1024


class ReadWhole(Exception):
    """A slice of the file cannot be read on its own (a quoted line break, a longer row, bad bytes)."""


class LaborParts:
    """A labor extract that yields its parts in file order each time it is iterated."""

    def __init__(self, path: Path, mapping: LaborMapping, *, companion_dir: Path | None = None,
                 business_date: date | None = None, part_bytes: int = PART_BYTES):
        self.path = Path(path)
        self.source_file = self.path.name
        self.mapping = mapping
        self.companion_dir = companion_dir
        self.business_date = business_date
        self.part_bytes = part_bytes
        self.whole: LaborExtract | None = None
        if not self._can_cut():
            self.read_whole()

    def read_whole(self) -> None:
        """Read the file at once from now on. The survey calls this when a part raised ReadWhole."""
        self.whole = read_labor_extract(
            self.path, self.mapping, companion_dir=self.companion_dir, business_date=self.business_date
        )

    @property
    def in_parts(self) -> bool:
        return self.whole is None

    def __iter__(self) -> Iterator[LaborExtract]:
        if self.whole is not None:
            yield self.whole
            return
        reader: TableReader | None = None
        first_line = 1
        for index, raw in enumerate(self._slices()):
            table = read_csv_table(raw, self.mapping, encoding=self._encoding(index))
            if table is None:
                raise ReadWhole(f"{self.source_file}: part {index + 1} does not read on its own")
            if reader is None:
                if not len(table) or table.index[0] != self.mapping.header_row:
                    raise ReadWhole(f"{self.source_file}: the header is not the first line")
                reader = TableReader(self.path, table.iloc[0].tolist(), self.mapping, self.companion_dir,
                                     self.business_date)
                table = table.iloc[1:]
            if table.shape[1] > reader.width:
                raise ReadWhole(f"{self.source_file}: a row in part {index + 1} is longer than the header")
            if table.shape[1] < reader.width:
                table = table.reindex(columns=range(reader.width), fill_value="")
            table.index = table.index + (first_line - 1)
            first_line += physical_line_count(raw)
            part = reader.read_part(table)
            del raw, table  # the caller works on the part while the generator waits; its text cells can go
            yield part

    def _can_cut(self) -> bool:
        return (
            self.mapping.format == "csv"
            and reads_column_wise(self.mapping)
            and line_breaks_are_bytes(self.mapping.encoding)
            and self.mapping.header_row == 1
            and self.path.is_file()
            and self.path.stat().st_size > self.part_bytes
            and self._decodes()
        )

    def _decodes(self) -> bool:
        """Return whether the whole file decodes, one block at a time.

        A bad byte in a late part must stop the file as a whole, as it does when the file is
        read at once, before an early part's header is judged. Otherwise the read raises it.
        """
        decoder = codecs.getincrementaldecoder(self.mapping.encoding)()
        try:
            with self.path.open("rb") as handle:
                while block := handle.read(self.part_bytes):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
        except (UnicodeDecodeError, LookupError):
            return False
        return True

    def _encoding(self, index: int) -> str:
        """Decode later slices without a byte-order mark, as one read of the file would."""
        encoding = self.mapping.encoding
        if index and codecs.lookup(encoding).name == "utf-8-sig":
            return "utf-8"
        return encoding

    def _slices(self) -> Iterator[bytes]:
        """Cut the file after the last LF in each block, so that a CRLF pair stays together."""
        carry = b""
        with self.path.open("rb") as handle:
            while block := handle.read(self.part_bytes):
                block = carry + block
                cut = block.rfind(b"\n") + 1
                if cut == 0:
                    carry = block
                    continue
                carry = block[cut:]
                yield block[:cut]
        if carry:
            yield carry
