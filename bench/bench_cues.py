"""Cue latency and rendering benchmark (issue 5).

Measures, with real espeak-ng speech:
1. rendering every phrase a session may speak at session start, cold (empty cache) and warm;
2. time from the cue decision (the engine step returned the cue) to the start of playback
   (the player process is running), with pre-rendered speech, for a normal cue and for a safety
   cue that pre-empts a clip still playing;
3. the engine's cost per 1 Hz sample.

Playback start is measured to the moment the player process has been spawned (Popen returned):
machines without a sound server or device (CI, this benchmark's host) cannot report the first
sample reaching a speaker. Without paplay/aplay/afplay the benchmark plays into a null sink with
`sox -q FILE -n` (override with HRZONE_AUDIO_PLAYER).

    python bench/bench_cues.py [--n 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time

TARGET_MS = 150.0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=30, help="cues per latency measurement")
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="hrzone-bench-")
    os.environ["HRZONE_HOME"] = home  # a cold cache, away from the user's folders

    from hrzone.audio import Player, Started, Voice, player_commands
    from hrzone.cues import SAFETY, CueEngine, CueInput, CuePrefs
    from hrzone.zones import CueEvent

    if not player_commands() and shutil.which("sox"):
        os.environ["HRZONE_AUDIO_PLAYER"] = "sox -q {path} -n"
    commands = player_commands()
    player_name = " ".join(commands[0]) if commands else "none"

    engine = CueEngine(CuePrefs(settle_s=0, min_gap_s=0, start=False))
    state = engine.initial(60)
    texts = engine.expected_texts(state)
    rows: list[tuple[str, float, str]] = []

    # 1. Rendering at session start.
    v = Voice("speech")
    if v.mode != "speech":
        raise SystemExit("no speech engine: install espeak-ng to run this benchmark")
    cold = v.prepare(texts)
    warm = Voice("speech").prepare(texts)
    rows.append((f"render {len(texts)} phrases, cold cache (s)", cold, ""))
    rows.append((f"render {len(texts)} phrases, warm cache (s)", warm, ""))

    # 2. Decision -> playback start.
    started: list[Started] = []
    ready = threading.Event()

    def on_start(s: Started) -> None:
        started.append(s)
        ready.set()

    player = Player(notify=lambda m: print("note:", m), on_start=on_start)
    lat_ms: list[float] = []
    done_ms: list[float] = []
    zones = [1, 2, 0]
    t = 0.0
    for i in range(args.n):
        t += 1.0
        z = zones[i % 3]
        ev = CueEvent(t, "zone", z, zones[(i - 1) % 3], 120.0)
        ready.clear()
        cues, state = engine.step(CueInput(t, True, 0.0, (ev,)), state)
        decided = time.perf_counter()
        for c in cues:
            player.play(v.path(c), preempt=c.priority >= SAFETY)
        if not ready.wait(5.0):
            raise SystemExit("player did not start")
        lat_ms.append((started[-1].started_s - decided) * 1e3)
        player.wait_idle()  # let the clip finish before the next cue
        done_ms.append((time.perf_counter() - decided) * 1e3)
    rows.append(("cue decision -> player started, median (ms)", statistics.median(lat_ms),
                 f"{statistics.median(lat_ms) / TARGET_MS:.2f}"))
    rows.append(("cue decision -> player started, p95 (ms)", pct(lat_ms, 0.95),
                 f"{pct(lat_ms, 0.95) / TARGET_MS:.2f}"))
    rows.append(("cue decision -> player started, max (ms)", max(lat_ms),
                 f"{max(lat_ms) / TARGET_MS:.2f}"))

    if "-n" in commands[0] if commands else False:
        # The null sink consumes the clip at once: its exit bounds when the first audio was written.
        rows.append(("decision -> null sink consumed the clip, median (ms)",
                     statistics.median(done_ms), f"{statistics.median(done_ms) / TARGET_MS:.2f}"))

    # Pre-emption: a safety cue while a long clip plays.
    long_text = "Session done. 132 minutes credited; 1234 of 150 this week."
    from hrzone.cues import Cue
    long_path = v.path(Cue(0, "end", 0, long_text, "end"))
    ceiling = Cue(0, "ceiling", SAFETY, engine.text("ceiling.above"), "ceiling:above", "ceiling")
    pre_ms: list[float] = []
    for _ in range(max(5, args.n // 3)):
        ready.clear()
        player.play(long_path)
        ready.wait(5.0)
        time.sleep(0.05)
        ready.clear()
        decided = time.perf_counter()
        player.play(v.path(ceiling), preempt=True)
        ready.wait(5.0)
        pre_ms.append((started[-1].started_s - decided) * 1e3)
        player.wait_idle()
    rows.append(("safety cue pre-empting a clip -> started, median (ms)",
                 statistics.median(pre_ms), f"{statistics.median(pre_ms) / TARGET_MS:.2f}"))
    player.close()

    # 3. Engine cost per sample.
    e2 = CueEngine()
    s2 = e2.initial()
    inputs = [CueInput(float(k), True, k * 0.5) for k in range(3600)]
    t0 = time.perf_counter()
    for inp in inputs:
        _, s2 = e2.step(inp, s2)
    per_us = (time.perf_counter() - t0) / len(inputs) * 1e6
    rows.append(("engine step per 1 Hz sample (us)", per_us, f"{per_us / 1e6:.1e}"))

    print(f"player: {player_name}; speech: {v.engine.name if v.engine else '-'}; "
          f"cues: {args.n}; target {TARGET_MS:.0f} ms; ratio = value / baseline "
          f"(latency: target 150 ms; engine: the 1 s sample period)")
    print(f"| {'measure':<54} | {'value':>9} | {'ratio':>7} |")
    print(f"|{'-' * 56}|{'-' * 11}|{'-' * 9}|")
    for name, val, ratio in rows:
        print(f"| {name:<54} | {val:>9.3f} | {ratio:>7} |")
    shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
