"""Benchmark of the RR artefact corrector (hrzone/signal/rr.py).

Prints: batch throughput (beats/s) on a ~130,000-beat series, streaming cost per beat with
chunks of 1-2 beats, and a baseline ratio against neurokit2's
``signal_fixpeaks(method="kubios")`` on the same beats in the same run. The baseline is skipped
when neurokit2 is missing; install it with ``/work/venv/bin/pip install neurokit2`` (benchmark
only, not a dependency of hrzone). Optional: ``--accuracy`` prints the accuracy table too.

Run: /work/venv/bin/python bench/bench_rr.py [--accuracy]
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np

from _timing import best
from hrzone.signal import rr_eval
from hrzone.signal.rr import RROutput, correct_rr, correct_rr_batch, finish_rr, rr_initial

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
N_BEATS = 130_000


def _series() -> np.ndarray:
    """Real beats (Polar HRM cycling + GUDB) repeated to N_BEATS, with 2 % injected artefacts;
    a synthetic random walk if the real data is absent."""
    if REALDATA.is_dir():
        data = rr_eval.realdata_series(REALDATA)
        base = np.concatenate([s for v in data.values() for s in v])
    else:
        rng = np.random.default_rng(0)
        base = np.clip(700 + np.cumsum(rng.normal(0, 6, 10_000)), 350, 1300)
    rr = np.resize(base, N_BEATS)
    return rr_eval.inject(rr, seed=0, rate=0.02).rr_ms


def _stream(rr: np.ndarray) -> RROutput:
    parts, st = [], rr_initial()
    i = 0
    while i < rr.size:
        k = 1 + (i // 7) % 2  # alternating chunks of 1 and 2 beats
        out, st = correct_rr(rr[i:i + k], st)
        parts.append(out)
        i += k
    parts.append(finish_rr(st)[0])
    return RROutput.concat(parts)


def main() -> None:
    rr = _series()
    n = rr.size
    t_batch = best(lambda: correct_rr_batch(rr))
    n_stream = 20_000
    t_stream = best(lambda: _stream(rr[:n_stream]), repeat=1)
    same = np.array_equal(_stream(rr[:5000]).label, correct_rr_batch(rr[:5000]).label)
    rows = [("hrzone batch", f"{n / t_batch:,.0f} beats/s", f"{t_batch * 1e3:.0f} ms"),
            ("hrzone streaming (1-2 beats/call)", f"{t_stream / n_stream * 1e6:.1f} µs/beat",
             f"{n_stream / t_stream:,.0f} beats/s")]
    try:
        import neurokit2 as nk
    except ImportError:
        rows.append(("neurokit2 kubios (baseline)", "skipped: pip install neurokit2", ""))
    else:
        peaks = np.concatenate([[0], np.cumsum(np.nan_to_num(rr))]).round().astype(np.int64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_nk = best(lambda: nk.signal_fixpeaks(peaks, sampling_rate=1000,
                                                    iterative=False, method="kubios"), 1)
        rows.append(("neurokit2 kubios, iterative=False (baseline)", f"{n / t_nk:,.0f} beats/s",
                     f"{t_nk * 1e3:.0f} ms; hrzone batch is {t_nk / t_batch:.1f}x faster"))
    print(f"RR artefact corrector, {n:,} beats (streaming == batch labels: {same})\n")
    print("| what | speed | notes |\n|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    if "--accuracy" in sys.argv and REALDATA.is_dir():
        data = rr_eval.realdata_series(REALDATA)
        scores = {k: rr_eval.evaluate(v, range(5)) for k, v in data.items()}
        gudb = [s for k, v in data.items() if k.startswith("gudb") for s in v]
        scores["gudb (all)"] = rr_eval.evaluate(gudb, range(5))
        print("\n" + rr_eval.format_table(scores))


if __name__ == "__main__":
    main()
