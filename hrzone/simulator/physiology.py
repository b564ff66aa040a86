"""The simulated heart: workload -> heart rate (kinetics + drift) -> beat times (with HRV).

1. Workload per second from the plan's segments (repeated to the session length).
2. Heart rate on a 1 s grid: first-order kinetics towards rest + w * (max - rest) with time
   constant tau_on_s while rising and tau_off_s while falling (exact exponential step per second),
   plus cardiac drift D' = drift_rate * w - D / drift_recovery_s, plus heat strain H' =
   heat_rate while exercising (w > 0), H' = -H / drift_recovery_s at rest.
3. RR(t) = 60/HR(t) * (1 + RSA + 1/f noise): respiratory sinus arrhythmia at a breathing rate that
   rises with workload, and 1/f ("pink") noise; both shrink as HR approaches its maximum.
4. Beats by integral pulse frequency modulation: phase(t) = integral of 1/RR(t) dt on a 20 Hz
   grid; a beat completes whenever the phase crosses an integer.

The clean true HR of second k is 60 * (phase(k + 1) - phase(k)): the mean instantaneous heart
rate over [k, k + 1), i.e. the (fractional) number of beats in that second, per minute.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hrzone.simulator.plan import Plan

FINE_HZ = 20          # phase integration grid
PRE_S = 10            # pre-roll at rest before t = 0, so the strap has beats to average at once
_PINK_FLOOR_HZ = 1 / 600.0  # 1/f spectrum flattens below this (no unbounded slow wander)


@dataclass(frozen=True, slots=True)
class Heart:
    """Output of the heart model.

    workload: per second of the session (length duration_s);
    hr_true_bpm: clean true HR per second (length duration_s), see module docstring;
    beat_1024: completion times of all sinus beats in 1/1024 s since session start (int64,
        the first few are negative: pre-roll).
    """

    workload: np.ndarray
    hr_true_bpm: np.ndarray
    beat_1024: np.ndarray


def workload_per_second(plan: Plan) -> np.ndarray:
    """Workload (fraction of HR reserve) of each second of the session, segments repeated."""
    cycle = []
    for s in plan.segments:
        end = s.workload if s.end_workload is None else s.end_workload
        # value at the middle of each second of a linear ramp
        cycle.append(s.workload + (end - s.workload) * (np.arange(s.duration_s) + 0.5) / s.duration_s)
    one = np.concatenate(cycle)
    reps = -(-plan.duration_s // one.shape[0])
    return np.tile(one, reps)[: plan.duration_s]


def kinetic_hr(plan: Plan, workload: np.ndarray) -> np.ndarray:
    """Heart rate at integer seconds -PRE_S .. duration_s (length duration_s + PRE_S + 1), bpm.

    Sequential (the time constant depends on the direction), but one cheap step per second.
    """
    ph = plan.physiology
    rest = plan.person.rest_bpm
    hmax = plan.person.hr_max()
    w = np.concatenate([np.zeros(PRE_S), workload]).tolist()
    k_on, k_off = np.exp(-1.0 / ph.tau_on_s), np.exp(-1.0 / ph.tau_off_s)
    drift_rate = ph.drift_bpm_per_h / 3600.0
    k_drift = np.exp(-1.0 / ph.drift_recovery_s)
    heat_rate = ph.heat_bpm_per_h / 3600.0
    out = np.empty(len(w) + 1)
    h, d, q = float(rest), 0.0, 0.0
    out[0] = h
    reserve = hmax - rest
    for i, wi in enumerate(w):
        target = rest + wi * reserve
        h = target + (h - target) * (k_on if target > h else k_off)
        # drift relaxes towards drift_rate * w * recovery with the recovery time constant
        d_eq = drift_rate * wi * ph.drift_recovery_s
        d = d_eq + (d - d_eq) * k_drift
        q = q + heat_rate if wi > 0 else q * k_drift
        out[i + 1] = h + d + q
    return np.clip(out, 30.0, hmax)


def _pink(n: int, rng: np.random.Generator) -> np.ndarray:
    """Unit-variance 1/f noise sampled at 1 Hz (spectrum flat below _PINK_FLOOR_HZ)."""
    if n < 4:
        return np.zeros(n)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1.0)
    spec *= 1.0 / np.sqrt(np.maximum(f, _PINK_FLOOR_HZ))
    spec[0] = 0.0
    x = np.fft.irfft(spec, n)
    sd = x.std()
    return x / sd if sd > 0 else x


def simulate_heart(plan: Plan, rng: np.random.Generator) -> Heart:
    """Run the heart model for the whole session (vectorised except the 1 Hz kinetics loop)."""
    dur = plan.duration_s
    workload = workload_per_second(plan)
    hr_s = kinetic_hr(plan, workload)  # at seconds -PRE_S .. dur
    n_s = hr_s.shape[0]
    t_s = np.arange(-PRE_S, dur + 1, dtype=np.float64)
    hmax, rest = plan.person.hr_max(), plan.person.rest_bpm
    hrv = plan.physiology.hrv
    # variability shrinks towards HRmax (vagal withdrawal); x = 1 at rest, 0 at max
    x = np.clip((hmax - hr_s) / (hmax - rest), 0.0, 1.0)
    a_rsa = hrv * (0.004 + 0.040 * x * x)
    a_pink = hrv * (0.003 + 0.025 * x * x)
    pink = _pink(n_s, rng)
    w_s = np.concatenate([np.zeros(PRE_S), workload, workload[-1:]])
    breath_hz = 0.22 + 0.25 * w_s + 0.02 * _pink(n_s, rng)

    n_f = (n_s - 1) * FINE_HZ + 1
    t_f = np.linspace(-PRE_S, dur, n_f)
    dt = 1.0 / FINE_HZ
    breath_phase = 2 * np.pi * (rng.random() + np.cumsum(np.interp(t_f, t_s, breath_hz)) * dt)
    rr_s = (60.0 / np.interp(t_f, t_s, hr_s)) * (
        1.0 + np.interp(t_f, t_s, a_rsa) * np.sin(breath_phase)
        + np.interp(t_f, t_s, a_pink * pink))
    rate = 1.0 / rr_s
    phase = np.empty(n_f)
    phase[0] = rng.random()
    np.cumsum((rate[1:] + rate[:-1]) * (0.5 * dt), out=phase[1:])
    phase[1:] += phase[0]
    first, last = int(np.floor(phase[0])) + 1, int(np.floor(phase[-1]))
    beats = np.interp(np.arange(first, last + 1, dtype=np.float64), phase, t_f)
    beat_1024 = np.round(beats * 1024.0).astype(np.int64)
    at_s = phase[PRE_S * FINE_HZ::FINE_HZ]  # phase at integer seconds 0 .. dur
    hr_true = 60.0 * np.diff(at_s)
    return Heart(workload, hr_true, beat_1024)
