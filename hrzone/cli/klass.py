"""`hrzone class roster ...` and `hrzone class run`: a group class, each person with their own
zones, cues and history (the module is klass.py because `class` is a Python keyword)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from hrzone.cli import cli
from hrzone.cli.options import echo_json, json_option, threshold_options
from hrzone.cli.serve import run_server, server_options


@cli.group("class")
def class_group() -> None:
    """A group class: many straps at once, each person with their own zones, cues and history."""


@class_group.group("roster")
def roster_group() -> None:
    """Who takes part: name, strap, thresholds, target zone and cue settings."""


def _person_line(p: Any) -> str:
    t = p.thresholds
    ceil = "" if t.ceiling_bpm is None else f", ceiling {t.ceiling_bpm:g}"
    return (f"{p.name:<16s} strap {p.strap:<20s} {t.method}: moderate {t.moderate_bpm:g}, "
            f"high {t.high_bpm:g}{ceil} bpm; target {p.target}")


@roster_group.command("add")
@click.argument("name")
@click.option("--strap", required=True, metavar="ADDRESS|NAME",
              help="The person's strap: its Bluetooth address or advertised name (`hrzone scan`).")
@threshold_options
@click.option("--target", type=click.Choice(("low", "moderate", "high")), default="moderate",
              show_default=True, help="The zone this person aims for.")
@click.option("--cue", "cue_settings", multiple=True, metavar="KEY=VALUE",
              help="A cue setting for this person (as in the profile's [cues]), repeatable.")
@json_option
def roster_add(name: str, strap: str, target: str, cue_settings: tuple[str, ...], as_json: bool,
               **opts: Any) -> None:
    """Add NAME to the roster with their strap and thresholds (talk-test bpm with --moderate
    and --high, %HRR with --age/--max and --rest, %HRmax with --method hrmax)."""
    from hrzone.app.roster import add_person
    from hrzone.roster import parse_cue_settings

    p = add_person(name, strap, opts, target=target, cues=parse_cue_settings(cue_settings))
    if as_json:
        echo_json(p.to_json())
    else:
        click.echo(f"added {_person_line(p)}")


@roster_group.command("import")
@click.argument("csv_file", type=click.Path(path_type=Path))
@json_option
def roster_import(csv_file: Path, as_json: bool) -> None:
    """Add everyone in CSV_FILE (columns name, strap, age, rest, max, method, moderate, high,
    ceiling, beta_blocker, target, cues); nobody is added if one row is wrong."""
    from hrzone.app.roster import import_people

    added = import_people(csv_file)
    if as_json:
        echo_json([p.to_json() for p in added])
        return
    for p in added:
        click.echo(f"added {_person_line(p)}")
    click.echo(f"{len(added)} people added")


@roster_group.command("list")
@json_option
def roster_list(as_json: bool) -> None:
    """Everyone on the roster."""
    from hrzone.app.roster import list_people

    people = list_people()
    if as_json:
        echo_json([p.to_json() for p in people])
        return
    if not people:
        click.echo("the roster is empty (`hrzone class roster add NAME --strap ...`)")
    for p in people:
        click.echo(_person_line(p))


@roster_group.command("show")
@click.argument("name")
@json_option
def roster_show(name: str, as_json: bool) -> None:
    """One person: strap, thresholds, target, cue settings and their sessions."""
    from hrzone.app.roster import show_person

    d = show_person(name)
    if as_json:
        echo_json(d)
        return
    t = d["thresholds"]
    click.echo(f"{d['name']} (strap {d['strap']}), target {d['target']}")
    click.echo(f"  thresholds ({t['method']}): moderate {t['moderate_bpm']:g}, high "
               f"{t['high_bpm']:g} bpm" + ("" if t["ceiling_bpm"] is None
                                           else f", ceiling {t['ceiling_bpm']:g} bpm"))
    if d["cues"]:
        click.echo("  cues: " + ", ".join(f"{k}={v}" for k, v in d["cues"].items()))
    click.echo(f"  {len(d['sessions'])} session(s) in their history")
    for s in d["sessions"]:
        click.echo(f"    {s['id']:>4}  {s['start'][:16]}  {s['minutes']['credited']:5.1f} min")


@roster_group.command("rm")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def roster_rm(name: str, yes: bool) -> None:
    """Take NAME off the roster and delete their history and recordings."""
    from hrzone.app.roster import find_person, remove_person

    p = find_person(name)
    if not yes:
        click.confirm(f"Remove {p.name} and delete their sessions and recordings?", abort=True)
    remove_person(p.name)
    click.echo(f"removed {p.name} and their data")


def _duration(_ctx: click.Context, _param: click.Parameter, value: str | None) -> float | None:
    from hrzone.app.group import parse_duration
    from hrzone.errors import HrzoneError

    try:
        return None if value is None else parse_duration(value)
    except HrzoneError as e:
        raise click.BadParameter(str(e).removeprefix(f"--for {value!r}: ")) from None


@class_group.command("run")
@click.option("--for", "duration_s", metavar="DURATION", callback=_duration,
              help="End the class after this long: seconds, or 20m, 1h, 1h30m "
                   "(default: Ctrl-C, or the end of the virtual straps' plans).")
@click.option("--virtual", metavar="N|ROSTER_PLAN",
              help="N virtual straps (a demo roster of N people if the roster is empty), or a "
                   "TOML file giving roster people simulator plans (no Bluetooth needed).")
@click.option("--speed", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="With --virtual: time factor (0 = as fast as possible).")
@click.option("--zone-cues", "zone_cues", metavar="NAME[,NAME]",
              help="Also say zone cues for these people (at most 4; default: safety cues only).")
@click.option("--audio", type=click.Choice(("speech", "tones", "off")), default="off",
              show_default=True, help="How the room's cues are played.")
@click.option("--cue-log", type=click.Path(path_type=Path),
              help="Write the room's cues as JSON Lines here.")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path),
              help="Also write the class table as CSV here (mode 0600).")
@click.option("--no-save", is_flag=True, help="Do not add the sessions to people's histories.")
@click.option("--serve", "serve", is_flag=True,
              help="Show the class screen in the browser (hrzone serve's dashboard, /class); "
                   "the table is printed when the server stops (Ctrl-C).")
@click.option("--hide-bpm", is_flag=True, help="With --serve: the screen starts showing zones "
              "only (the instructor can switch).")
@server_options
@json_option
def run_cmd(duration_s: float | None, virtual: str | None, speed: float, zone_cues: str | None,
            audio: str, cue_log: Path | None, csv_path: Path | None, no_save: bool, serve: bool,
            hide_bpm: bool, host: str, port: int, token: str | None, no_browser: bool,
            as_json: bool) -> None:
    """Run a class: connect every participant's strap, speak safety cues by name, and print
    the class table at the end (minutes per zone, credited, in target, above ceiling, data
    quality); each session goes into its person's own history."""
    from hrzone.app.group import ClassRequest, run_class

    names = tuple(n.strip() for n in (zone_cues or "").split(",") if n.strip())
    req = ClassRequest(virtual=virtual, speed=speed, duration_s=duration_s, zone_cues=names,
                       audio=audio, cue_log=cue_log, save=not no_save)
    if serve:
        out = _serve_class(req, hide_bpm, host, port, token, no_browser)
        if out is None:
            click.echo("no class ran", err=True)
            return
    else:
        def ready(o: Any) -> None:
            for n in o.notes:
                click.echo(n, err=as_json)

        def said(c: Any) -> None:
            if not as_json:
                click.echo(f"+{c.t_s:7.1f}s  {c.text}")

        out = run_class(req, on_say=said, on_ready=ready)
    _report(out, req, csv_path, as_json)


def _serve_class(req: Any, hide_bpm: bool, host: str, port: int, token: str | None,
                 no_browser: bool) -> Any:
    """Serve the dashboard with this class started on its class screen; the outcome of the
    last class run there (None if none finished)."""
    from hrzone.app.group import ClassError
    from hrzone.arbiter import RoomRules
    from hrzone.web import ServeConfig

    RoomRules(frozenset(req.zone_cues))       # too many zone-cue people fails here, in one line
    cfg = ServeConfig(host=host, port=port, token=token, audio=req.audio, save=req.save,
                      klass=req, class_now=True, hide_bpm=hide_bpm)
    app = run_server(cfg, "class", no_browser)
    run = app.state.classes.latest()
    if run is not None and run.outcome is None and run.error:
        raise ClassError(run.error)
    return None if run is None else run.outcome


def _report(out: Any, req: Any, csv_path: Path | None, as_json: bool) -> None:
    """The class table as text or JSON (and CSV), the absent, errors and what was saved."""
    from hrzone.classtable import table_csv, table_text
    from hrzone.paths import write_private

    if csv_path is not None:
        write_private(csv_path, table_csv(out.rows))
    if as_json:
        echo_json(out.to_json())
        return
    click.echo(table_text(out.rows))
    for name, t_s in out.late.items():
        click.echo(f"arrived late: {name} (joined {t_s / 60:.1f} min into the class; "
                   "credited from then)")
    for name, why in out.absent.items():
        click.echo(f"absent: {name} ({why})")
    for p in out.people:
        if p.error:
            click.echo(f"{p.person.name}: {p.error}")
    if req.save:
        n = sum(1 for p in out.people if p.saved is not None)
        click.echo(f"{n} session(s) saved to their people's histories "
                   "(`hrzone week --person NAME`)")
    if csv_path is not None:
        click.echo(f"class table written to {csv_path}")
