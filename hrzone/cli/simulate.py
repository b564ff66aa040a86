"""`hrzone simulate`: write a simulated strap recording and its ground truth."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import click

from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option
from hrzone.simulator import BUILTIN_PLANS, DEFAULT_START, load_plan, simulate, write_simulation

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """'24h', '90m', '1h30m', '45s' or plain seconds -> seconds; ValueError otherwise."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t)
    m = _DURATION.match(t)
    if not t or m is None:
        raise ValueError(text)
    h, mi, s = (int(x) if x else 0 for x in m.groups())
    return h * 3600 + mi * 60 + s


class _Duration(click.ParamType):
    name = "DURATION"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int:
        try:
            return parse_duration(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a duration (e.g. 24h, 90m, 1h30m, 3600)", param, ctx)


class _Start(click.ParamType):
    name = "ISO|now"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None
                ) -> datetime:
        if isinstance(value, datetime):
            return value
        if str(value) == "now":
            return datetime.now(timezone.utc).replace(microsecond=0)
        try:
            dt = datetime.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 time (e.g. 2026-01-05T07:30:00+00:00)",
                      param, ctx)
        return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _mmss(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    return f"{h}:{rest // 60:02d}:{rest % 60:02d}" if h else f"{rest // 60}:{rest % 60:02d}"


@cli.command("simulate")
@click.option("--plan", "plan_name", metavar="NAME|FILE",
              help=f"Built-in plan ({', '.join(BUILTIN_PLANS)}) or a TOML/JSON plan file.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Recording to write (.jsonl); the truth goes to <stem>.truth.json beside it.")
@click.option("--start", type=_Start(), default=DEFAULT_START.isoformat(), show_default=True,
              help="Wall-clock time of the session start (ISO 8601, or 'now'); naive times are UTC.")
@click.option("--no-artifacts", is_flag=True, help="Simulate a perfect strap (same heart, same seed).")
@click.option("--duration", type=_Duration(),
              help="Repeat the plan until the session lasts this long (e.g. 24h, 90m).")
@click.option("--force", is_flag=True, help="Replace existing output files.")
@click.option("--list", "list_plans", is_flag=True, help="List the built-in plans and exit.")
@json_option
def simulate_cmd(plan_name: str | None, seed: int, output: Path | None, start: datetime,
                 no_artifacts: bool, duration: int | None, force: bool, list_plans: bool,
                 as_json: bool) -> None:
    """Simulate a workout: a raw strap recording plus its ground truth (<stem>.truth.json).

    The recording replays like one made with a real strap; the truth holds the true heart rate
    and intensity of every second, the injected artefacts and the true activity minutes.
    """
    if list_plans:
        if as_json:
            echo_json([{"name": n, "duration_s": p.duration_s, "description": p.description}
                       for n, p in BUILTIN_PLANS.items()])
        else:
            for n, p in BUILTIN_PLANS.items():
                click.echo(f"{n:<10} {_mmss(p.duration_s):>8}  {p.description}")
        return
    if plan_name is None or output is None:
        raise click.UsageError("give --plan NAME|FILE and -o FILE (or --list)")
    plan = load_plan(plan_name)
    if no_artifacts:
        plan = plan.without_artifacts()
    if duration is not None:
        plan = plan.repeated(duration)
    result = simulate(plan, seed, start)
    rec, truth = write_simulation(result, output, overwrite=force)
    totals = result.truth.totals()
    if as_json:
        echo_json({"recording": str(rec), "truth": str(truth), "plan": plan.name, "seed": seed,
                   "duration_s": plan.duration_s, "notifications": len(result.notifications),
                   "artifacts": len(result.truth.artifacts), "totals": totals})
        return
    obs = 100.0 * totals["observable_s"] / max(1, totals["duration_s"])
    click.echo(f"wrote {rec} ({len(result.notifications)} notifications, "
               f"{_mmss(plan.duration_s)}, plan {plan.name}, seed {seed})")
    click.echo(f"wrote {truth} (true: moderate {totals['moderate_min']:.1f} min, vigorous "
               f"{totals['vigorous_min']:.1f} min, credited {totals['credited_min']:.1f} min; "
               f"{len(result.truth.artifacts)} artefacts; {obs:.1f} % observable)")
