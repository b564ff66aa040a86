"""Many files at once: bulk `log add`, and summaries of whole folders and exports (cohort tables).

    paths --expand--> entries --shard--> decode (worker processes) --in order--> parent
                                          hash, detect, load,        log add: the history (SQLite)
                                          summarise, ledger rules    summary: text, JSON, a table

Workers never write: each returns, per entry, the summaries (or why not) of the sessions the
file holds, and only the parent process writes the history, one transaction per session, in
input order (so ids do not depend on the number of processes). A file whose content hash is in
the history already is recognised without being decoded. Ctrl-C stops the batch: every session
written so far stays (each is its own transaction; the one being written is rolled back), the
report says how many, and running the same command again finishes the job.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from hrzone.app.history import AddOutcome, AddReport
from hrzone.errors import HrzoneError, NotAWorkout
from hrzone.summary import Summary

IN_MEMORY_BYTES = 64 << 20
"""Files up to this size are read once into memory (hashed and parsed from there)."""
POOL_MIN_ENTRIES = 8
"""Fewer entries than this are decoded in the calling process (a pool costs ~0.3 s to start)."""
WINDOW_PER_WORKER = 4
"""Entries handed out ahead per worker: enough to keep every core busy, few summaries held."""


@dataclass(frozen=True, slots=True)
class Job:
    """What every entry of a batch is decoded with (sent once to each worker process).

    opts: threshold options; fmt: a --format name; max_gap_s: the import gap rule; columns:
    generic CSV column names; start: `log add --start`; known: content hashes already in the
    history -> (id, path), or None when not adding to the history (no hashing at all).
    """

    opts: Mapping[str, Any] = field(default_factory=dict)
    fmt: str | None = None
    max_gap_s: float | None = None
    columns: Mapping[str, str] = field(default_factory=dict)
    start: datetime | None = None
    known: Mapping[str, tuple[int, str]] | None = None


@dataclass(frozen=True, slots=True)
class Decoded:
    """One session of an entry (status 'ok' or 'refused', with its summary), or what became of
    an entry that gave no session: 'already' (its content hash is in the history: `known_id`),
    'skipped' (not a workout) or 'failed' (unreadable).

    file: the session's name (an entry's, or `export.xml#<start>` for a workout in an export);
    key: the history key (content hash, or a workout's identity in a many-session export);
    container: for the sessions of a many-session file, (its content hash, its format).
    """

    file: str
    status: str
    summary: Summary | None = None
    key: str | None = None
    reason: str = ""
    warnings: tuple[str, ...] = ()
    origin: str = "device"
    known_id: int | None = None
    container: tuple[str, str] | None = None
    kind: str = "cardio"


def _reason(e: HrzoneError, name: str) -> str:
    """An error's reason without the file name it starts with."""
    from hrzone.importers.archive import printable

    text = str(e)
    for prefix in (f"{printable(name)}: ", f"{name}: "):
        if text.startswith(prefix):
            return text[len(prefix):]
    return text


def decode_entry(entry: Any, job: Job) -> list[Decoded]:
    """Everything about one entry, decoded and summarised (no history writes): one Decoded
    per session, or one saying why there is none. Runs in worker processes."""
    from hrzone.activities import kind_of
    from hrzone.app import files
    from hrzone.app.history import refusal
    from hrzone.importers import SNIFF_BYTES, detect_head, format_named
    from hrzone.importers.archive import BytesSource

    if entry.error:
        return [Decoded(entry.name, "failed", reason=entry.error)]
    if entry.skip:
        return [Decoded(entry.name, "skipped", reason=entry.skip)]
    out: list[Decoded] = []
    try:
        data = entry.read_bytes(IN_MEMORY_BYTES) if job.known is not None else None
        src = entry if data is None else BytesSource(entry.name, data, entry.meta)
        head = data[:SNIFF_BYTES] if data is not None else entry.head(SNIFF_BYTES)
        fmt = format_named(job.fmt, entry.name) if job.fmt else detect_head(head, entry.name)
        h = None
        if job.known is not None:
            h = hashlib.sha256(data).hexdigest() if data is not None else entry.content_hash()
            if h in job.known:
                sid, where = job.known[h]
                return [Decoded(entry.name, "already", key=h, known_id=sid,
                                reason=f"same content as {where}")]
        container = (h, fmt.name) if fmt.multi and h is not None else None
        for w in fmt.load(src, job.max_gap_s, **dict(job.columns)):
            key = w.meta.get("identity") or h
            if job.known is not None and key in job.known and key != h:
                sid, where = job.known[key]
                out.append(Decoded(str(w.path), "already", key=key, known_id=sid,
                                   reason=f"the same workout as {where}", container=container))
                continue
            for k, v in entry.meta:
                if k == "sport" and w.meta.get("sport") and w.meta["sport"] != v:
                    w.meta["device_sport"] = w.meta["sport"]
                w.meta[k] = v
            if job.start is not None:
                w = files.with_start(w, job.start)
            s = files.summarise(w, job.opts)
            origin = files.origin_of(w.header)
            why = refusal(s, trusted=job.start is not None or files.start_trusted(w))
            out.append(Decoded(str(w.path), "refused" if why else "ok", s, key, why,
                               tuple(s.warnings), origin, container=container,
                               kind=kind_of(w.meta)))
    except NotAWorkout as e:
        if not out and not getattr(entry, "explicit", False):
            return [Decoded(entry.name, "skipped", reason=e.short or _reason(e, entry.name))]
        out.append(Decoded(entry.name, "failed", reason=str(e)))
    except HrzoneError as e:
        out.append(Decoded(entry.name, "failed", reason=str(e)))
    return out


# --- running a batch: in process, or in a pool of worker processes -----------------------------

_JOB: Job | None = None


def _init_worker(job: Job, env: Mapping[str, str]) -> None:
    """A worker: the parent's environment (HRZONE_HOME, ...), Ctrl-C left to the parent."""
    global _JOB
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.clear()
    os.environ.update(env)
    _JOB = job


def _task(entry: Any) -> list[Decoded]:
    assert _JOB is not None
    return _decode_tolerant(entry, _JOB)


def _decode_tolerant(entry: Any, job: Job) -> list[Decoded]:
    """decode_entry, where a bug met on one file of a batch fails that file, not the batch."""
    try:
        return decode_entry(entry, job)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as e:  # noqa: BLE001 - one line in the report instead of a dead batch
        return [Decoded(entry.name, "failed", reason=f"{entry.name}: unexpected "
                        f"{type(e).__name__}: {str(e)[:120]} (a bug in hrzone: run this file "
                        "alone with --debug, and please report it)")]


def default_jobs(n_entries: int) -> int:
    """Processes for a batch when none are asked for: every core for a large batch, else one."""
    return (os.cpu_count() or 1) if n_entries >= POOL_MIN_ENTRIES else 1


class Batch:
    """Decodes entries with `jobs` processes and yields (entry, decoded) in input order.

    Use as a context manager; leaving it (normally, on an error or on Ctrl-C) stops the
    workers at once. `done` counts the entries whose results were handed out.
    """

    def __init__(self, entries: Sequence[Any], job: Job, jobs: int | None = None) -> None:
        self.entries = list(entries)
        self.job = job
        n = default_jobs(len(self.entries)) if jobs is None else max(1, int(jobs))
        self.jobs = min(n, max(1, len(self.entries)))
        self.done = 0
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __iter__(self) -> Iterator[tuple[Any, list[Decoded]]]:
        if self.jobs <= 1:
            decode = decode_entry if len(self.entries) == 1 else _decode_tolerant
            for e in self.entries:
                res = decode(e, self.job)
                self.done += 1
                yield e, res
            return
        ctx = multiprocessing.get_context("forkserver" if "forkserver" in
                                          multiprocessing.get_all_start_methods() else "spawn")
        self._pool = ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=_init_worker,
                                         initargs=(self.job, dict(os.environ)))
        pending: deque[tuple[Any, Future[list[Decoded]]]] = deque()
        todo = iter(self.entries)
        window = self.jobs * WINDOW_PER_WORKER
        for e in todo:
            pending.append((e, self._pool.submit(_task, e)))
            if len(pending) >= window:
                break
        while pending:
            e, fut = pending.popleft()
            res = fut.result()
            nxt = next(todo, None)
            if nxt is not None:
                pending.append((nxt, self._pool.submit(_task, nxt)))
            self.done += 1
            yield e, res

    def stop(self) -> None:
        """Stop the workers now (entries not handed out yet are dropped)."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(5)


# --- log add: many files into the history ------------------------------------------------------

Progress = Callable[[int, int, Mapping[str, int]], None]
"""on_progress(entries done, entries in all, counts per status so far)."""


def add_paths(paths: Sequence[str | os.PathLike[str]], opts: Mapping[str, Any] | None = None,
              fmt: str | None = None, start: datetime | None = None, *, jobs: int | None = None,
              on_outcome: Callable[[Any], None] | None = None,
              on_progress: Progress | None = None) -> ImportReport:
    """Add every workout under `paths` (files, folders, gzip files, zip archives) to the
    history under the ledger rules (hrzone.app.history); returns the ImportReport.

    jobs: decoding processes (None: every core for a large batch); on_outcome is called with
    each AddOutcome in input order, on_progress after each entry. Ctrl-C ends the batch early:
    the report says so (`interrupted`) and counts what was kept.
    """
    from hrzone import store
    from hrzone.importers.archive import expand
    from hrzone.profile import load_profile

    tz = load_profile().tz()
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    report = ImportReport()
    db = store.open_db()
    try:
        with expand(paths) as exp:
            entries = exp.entries
            if start is not None and len(entries) != 1:
                raise HrzoneError("--start applies to one file at a time")
            report.total = len(entries)
            job = Job(dict(opts or {}), fmt, None, {}, start, store.known_hashes(db))
            counts: dict[str, int] = {}
            try:
                with Batch(entries, job, jobs) as batch:
                    for _entry, results in batch:
                        with _CtrlCAfter():   # an entry is written and reported whole
                            held: dict[tuple[str, str], list[int]] = {}
                            complete = True
                            for d in results:
                                o = _write(db, d, tz)
                                report.outcomes.append(o)
                                counts[o.status] = counts.get(o.status, 0) + 1
                                if on_outcome is not None:
                                    on_outcome(o)
                                if d.container is not None:
                                    ids = held.setdefault(d.container, [])
                                    if o.id is not None:
                                        ids.append(o.id)
                                elif o.status == "failed":
                                    complete = False
                            if complete:
                                for (h, f), ids in held.items():
                                    if ids:
                                        store.record_imported_file(db, h, _entry.name, f, ids)
                            report.done += 1
                            if on_progress is not None:
                                on_progress(report.done, report.total, counts)
            except KeyboardInterrupt:
                report.interrupted = True
    finally:
        db.close()
    return report


class _CtrlCAfter:
    """Holds Ctrl-C back while one entry's sessions are written and reported, then raises it:
    the history never holds a session the report does not count (main thread only; elsewhere
    a no-op)."""

    def __enter__(self) -> _CtrlCAfter:
        self.pressed = False
        self.previous: Any = None
        try:
            self.previous = signal.signal(signal.SIGINT, self._press)
        except ValueError:          # not the main thread: signals cannot be handled here
            self.previous = None
        return self

    def _press(self, signum: int, frame: Any) -> None:
        self.pressed = True

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
            if self.pressed and exc[0] is None:
                raise KeyboardInterrupt


def _write(db: Any, d: Decoded, tz: Any) -> AddOutcome:
    """Store one decoded session (parent process only) and say what became of it."""
    from hrzone import store

    if d.status != "ok":
        status = "refused" if d.status == "refused" else d.status
        return AddOutcome(d.file, status, d.known_id, None, reason=d.reason,
                          warnings=d.warnings, origin=d.origin)
    assert d.summary is not None and d.key is not None
    r = store.add_summary(db, d.summary, d.file, d.key, tz, d.origin)
    if r.created and d.kind != "cardio":
        # a strength FIT file: a strength session, its heart-rate minutes still credited
        from hrzone import journal
        journal.set_kind(db, r.id, d.kind)
    status = "linked" if r.duplicate_of is not None else ("added" if r.created else "already")
    return AddOutcome(d.file, status, r.id, r.duplicate_of,
                      reason="" if r.created else f"same content as {r.path}",
                      warnings=d.warnings, credited_min=d.summary.credited_min, origin=d.origin,
                      kind=d.kind)


@dataclass(slots=True)
class ImportReport(AddReport):
    """A batch of `log add`: one outcome per session or file (AddReport), the entries done out
    of all, and whether Ctrl-C ended it early."""

    total: int = 0
    done: int = 0
    interrupted: bool = False

    @property
    def exit_code(self) -> int:
        """130 when interrupted, else 1 when any file was refused or failed, else 0."""
        if self.interrupted:
            return 130
        return 1 if any(o.status in ("refused", "failed") for o in self.outcomes) else 0

    @property
    def kept(self) -> int:
        """Sessions this batch wrote to the history (added or linked)."""
        return self.count("added") + self.count("linked")

    def reasons(self, *statuses: str) -> list[tuple[str, int]]:
        """Distinct reasons of these statuses, with how many gave each, most common first."""
        n: dict[str, int] = {}
        for o in self.outcomes:
            if o.status in statuses:
                n[o.reason] = n.get(o.reason, 0) + 1
        return sorted(n.items(), key=lambda kv: (-kv[1], kv[0]))

    def to_json(self) -> dict[str, Any]:
        j = AddReport.to_json(self)
        j.update(skipped=self.count("skipped"), entries=self.total, done=self.done,
                 interrupted=self.interrupted)
        return j


# --- summary: many files summarised, in order ---------------------------------------------------

def summarise_paths(paths: Sequence[str | os.PathLike[str]],
                    opts: Mapping[str, Any] | None = None, fmt: str | None = None,
                    max_gap_s: float | None = None, columns: Mapping[str, str] | None = None, *,
                    jobs: int | None = None, shard: tuple[int, int] | None = None,
                    on_progress: Progress | None = None) -> Iterator[Decoded]:
    """Summaries of every workout under `paths`, in a deterministic order (see
    archive.expand): one Decoded per session ('ok') or per entry that gave none ('skipped',
    'failed'). shard = (K, N) keeps the K-th of N contiguous slices of the entries."""
    from hrzone.importers.archive import expand, select

    with expand(paths) as exp:
        entries = select(exp.entries, shard)
        job = Job(dict(opts or {}), fmt, max_gap_s, dict(columns or {}))
        counts: dict[str, int] = {}
        with Batch(entries, job, jobs) as batch:
            for _entry, results in batch:
                for d in results:
                    counts[d.status] = counts.get(d.status, 0) + 1
                    yield replace(d, status="ok") if d.status == "refused" else d
                if on_progress is not None:
                    on_progress(batch.done, len(entries), counts)
