"""Workout simulator: plans -> simulated heart -> raw 0x2A37 recordings plus ground truth.

Library API::

    plan = load_plan("walk30")                      # or a TOML/JSON plan file
    result = simulate(plan, seed=1, start=DEFAULT_START)
    recording, truth = write_simulation(result, "walk30.jsonl")

Recordings go through RecordingWriter with payloads from hrm.encode_measurement, so a replay
takes the same path as a live strap. docs/simulator.md defines the model and the ground truth.
"""

from __future__ import annotations

from pathlib import Path

from hrzone.errors import PlanError
from hrzone.simulator.builtin import BUILTIN_PLANS
from hrzone.simulator.engine import (
    DEFAULT_START,
    SimResult,
    Truth,
    read_truth,
    simulate,
    truth_path_for,
    write_simulation,
)
from hrzone.simulator.plan import (
    Artifacts,
    Device,
    Episodes,
    Person,
    Physiology,
    Plan,
    Segment,
    parse_plan,
    read_plan_file,
)

__all__ = [
    "Artifacts", "BUILTIN_PLANS", "DEFAULT_START", "Device", "Episodes", "Person", "Physiology",
    "Plan", "Segment", "SimResult", "Truth", "load_plan", "parse_plan", "read_truth", "simulate",
    "truth_path_for", "write_simulation",
]


def load_plan(name_or_path: str | Path) -> Plan:
    """A built-in plan by name, or a plan read from a TOML/JSON file; PlanError otherwise."""
    key = str(name_or_path)
    if key in BUILTIN_PLANS:
        return BUILTIN_PLANS[key]
    p = Path(key)
    if p.suffix.lower() in (".toml", ".json") or p.exists():
        return read_plan_file(p)
    raise PlanError(f"{key}: no such plan file or built-in plan "
                    f"(built-in: {', '.join(BUILTIN_PLANS)})")
