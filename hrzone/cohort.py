"""Cohort tables: one row per session, for physiotherapists and researchers.

`hrzone summary PATH... --table out.csv` (or `.parquet` with the optional pyarrow) writes what
`summary --json` says of each session, flattened into fixed columns, plus a row for each file
that gave no session (status 'skipped' or 'failed', with the reason), so that every input is
accounted for. Rows come in the order of the inputs (hrzone.importers.archive.expand), whatever
the number of processes; `--shard K/N` writes the K-th of N contiguous slices, so the N shard
tables, concatenated in order (one header kept), are exactly the table of a single run.
"""

from __future__ import annotations

import csv
import importlib.util
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hrzone.errors import HrzoneError
from hrzone.paths import PrivateOutput

COLUMNS: tuple[tuple[str, str], ...] = (
    ("file", "string"), ("status", "string"), ("format", "string"), ("name", "string"),
    ("sport", "string"), ("start", "string"), ("start_trusted", "bool"),
    ("duration_s", "float"), ("valid_s", "float"),
    ("low_s", "float"), ("moderate_s", "float"), ("high_s", "float"),
    ("moderate_min", "float"), ("vigorous_min", "float"), ("credited_min", "float"),
    ("hr_mean", "float"), ("hr_min", "float"), ("hr_max", "float"),
    ("samples", "int"), ("has_rr", "bool"), ("gaps", "int"), ("gap_s", "float"),
    ("contact_losses", "int"), ("malformed", "int"),
    ("artifacts_missed", "int"), ("artifacts_extra", "int"), ("artifacts_ectopic", "int"),
    ("artifacts_longshort", "int"), ("artifacts_hr_spike", "int"),
    ("artifacts_hr_rr_mismatch", "int"), ("artifacts_stale", "int"),
    ("artifacts_out_of_range", "int"),
    ("method", "string"), ("moderate_bpm", "float"), ("high_bpm", "float"),
    ("ceiling_bpm", "float"), ("warnings", "string"), ("error", "string"),
)
"""The table's columns and their types, in order (seconds, minutes as `summary` rounds them,
bpm). `warnings` joins a session's warnings with ' | '; `error` is the reason a file gave no
session."""
NAMES = tuple(n for n, _ in COLUMNS)
WARNING_SEPARATOR = " | "


def row(decoded: Any) -> dict[str, Any]:
    """The table row of one hrzone.app.imports.Decoded: a session, or a file without one."""
    r: dict[str, Any] = dict.fromkeys(NAMES)
    r["file"] = decoded.file
    r["status"] = decoded.status
    s = decoded.summary
    if s is None:
        r["error"] = decoded.reason
        return r
    j = s.to_json()
    r.update(format=j["format"], name=j["activity"]["name"], sport=j["activity"]["sport"],
             start=j["start"], start_trusted=j["start_trusted"], duration_s=j["duration_s"],
             valid_s=j["valid_s"], low_s=j["zones"]["low_s"],
             moderate_s=j["zones"]["moderate_s"], high_s=j["zones"]["high_s"],
             moderate_min=j["minutes"]["moderate"], vigorous_min=j["minutes"]["vigorous"],
             credited_min=j["minutes"]["credited"], hr_mean=j["hr"]["mean"],
             hr_min=j["hr"]["min"], hr_max=j["hr"]["max"], samples=j["samples"],
             has_rr=j["has_rr"], gaps=j["gaps"]["count"], gap_s=j["gaps"]["total_s"],
             contact_losses=j["contact_losses"], malformed=j["malformed"],
             method=j["thresholds"]["method"], moderate_bpm=j["thresholds"]["moderate_bpm"],
             high_bpm=j["thresholds"]["high_bpm"], ceiling_bpm=j["thresholds"]["ceiling_bpm"],
             warnings=WARNING_SEPARATOR.join(j["warnings"]) or None)
    for k, v in j["artifacts"].items():
        if f"artifacts_{k}" in r:
            r[f"artifacts_{k}"] = v
    return r


def table_kind(path: str | os.PathLike[str]) -> str:
    """'csv' or 'parquet' from the file name; HrzoneError for anything else, or for parquet
    when pyarrow is not installed."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        if importlib.util.find_spec("pyarrow") is None:
            raise HrzoneError(f"{path}: writing Parquet needs pyarrow (pip install pyarrow, or "
                              "install hrzone[parquet]); use a .csv table otherwise")
        return "parquet"
    raise HrzoneError(f"{path}: the table must be a .csv or .parquet file")


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


class TableWriter:
    """Writes rows as they come to a CSV or Parquet file (a private 0o600 file, renamed into
    place when closed without error: a reader never sees half a table)."""

    PARQUET_BATCH = 1000

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.kind = table_kind(path)
        self.path = Path(path)
        self.rows = 0
        self._out = PrivateOutput(path, binary=self.kind == "parquet")
        self._batch: list[dict[str, Any]] = []
        self._pq: Any = None
        if self.kind == "csv":
            self._csv = csv.writer(self._out.file, lineterminator="\n")
            self._csv.writerow(NAMES)

    def write(self, r: Mapping[str, Any]) -> None:
        """Add one row (a dict with the table's columns)."""
        self.rows += 1
        if self.kind == "csv":
            self._csv.writerow([_csv_value(r.get(n)) for n in NAMES])
            return
        self._batch.append(dict(r))
        if len(self._batch) >= self.PARQUET_BATCH:
            self._flush()

    def _schema(self) -> Any:
        import pyarrow as pa

        types = {"string": pa.string(), "float": pa.float64(), "int": pa.int64(),
                 "bool": pa.bool_()}
        return pa.schema([(n, types[t]) for n, t in COLUMNS])

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = self._schema()
        if self._pq is None:
            self._pq = pq.ParquetWriter(self._out.file, schema)
        if self._batch:
            self._pq.write_table(pa.Table.from_pylist(self._batch, schema=schema))
            self._batch = []

    def close(self) -> Path:
        """Finish the file and put it in place; returns its path."""
        if self.kind == "parquet":
            self._flush()
            self._pq.close()
        return self._out.commit()

    def discard(self) -> None:
        """Drop the partial file (an error or Ctrl-C before the end)."""
        self._out.discard()

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.discard()


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """A cohort table written as CSV, as dicts of strings (for tests and quick checks)."""
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
