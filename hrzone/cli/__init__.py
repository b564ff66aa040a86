"""The `hrzone` command line: a thin layer over the library.

Each command parses options, calls one library function and formats the result. HrzoneError
becomes a one-line message and exit code 1; click usage errors keep exit code 2; anything
unexpected prints one line and a hint to rerun with --debug. When the output itself is gone (a
closed terminal window, a pipe whose reader quit, as in `hrzone log list | head -1`) there is
no one to tell: the command exits quietly with the code a shell gives a process ended by that
hang-up (129, SIGHUP) or broken pipe (141, SIGPIPE). Whatever was recorded and saved before
that stays (a live session is saved before its summary is printed).
"""

from __future__ import annotations

import errno
import os
import select
import sys

import click

from hrzone import __version__
from hrzone.errors import HrzoneError


class HrzoneGroup(click.Group):
    """Click group that turns library errors into one line and an exit code, and loads each
    command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            import importlib
            importlib.import_module(f"hrzone.cli.{COMMANDS[cmd_name]}")
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except HrzoneError as e:
            if debug:
                raise
            click.echo(f"Error: {e}", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(130)
        except Exception as e:  # the catch-all that keeps tracebacks away from users
            if debug:
                raise
            if isinstance(e, OSError) and e.errno in GONE and _output_gone():
                _quiet_stdio()              # nobody to tell
                ctx.exit(GONE[e.errno])
            click.echo(f"Error: unexpected {type(e).__name__}: {e} (run with --debug for details)",
                       err=True)
            ctx.exit(1)


#: errno of a write to output that is gone -> exit code (128 + the signal a shell would name).
GONE = {errno.EIO: 129, errno.EPIPE: 141}


def _output_gone() -> bool:
    """Whether standard output is a terminal that hung up or a pipe nobody reads (so an EIO
    or EPIPE came from the output, not from a disk or a device)."""
    try:
        poll = select.poll()
        poll.register(sys.stdout.fileno(), select.POLLOUT)
        return any(ev & (select.POLLERR | select.POLLHUP) for _, ev in poll.poll(0))
    except (OSError, ValueError, AttributeError):   # no poll (Windows), no real stdout
        return False


def _quiet_stdio() -> None:
    """Point stdout and stderr at /dev/null, so the interpreter's final flush cannot fail on
    the output that is gone."""
    null = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(null, stream.fileno())
        except (OSError, ValueError):
            pass
    os.close(null)


@click.group(cls=HrzoneGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hrzone")
@click.option("--debug", is_flag=True, help="Show full tracebacks for unexpected errors.")
def cli(debug: bool) -> None:
    """hrzone: heart-rate intensity zones and weekly activity minutes from a chest strap."""


# Command name -> module that defines it. Modules are imported only when their command runs
# (or when help lists every command), so `hrzone week` does not load the signal core.
COMMANDS = {
    "summary": "summary", "replay": "replay", "demo": "replay", "simulate": "simulate",
    "scan": "live", "live": "live", "calibrate": "live", "profile": "profile", "log": "log",
    "week": "week", "weeks": "week", "plot": "plot", "export": "export", "serve": "serve",
    "class": "klass",
}


def _register() -> None:
    """Import every command module (attaches all commands to `cli`)."""
    import importlib
    for module in sorted(set(COMMANDS.values())):
        importlib.import_module(f"hrzone.cli.{module}")


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="hrzone")

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
