"""The `hrzone` command line: a thin layer over the library.

Each command parses options, calls one library function and formats the result. HrzoneError
becomes a one-line message and exit code 1; click usage errors keep exit code 2; anything
unexpected prints one line and a hint to rerun with --debug.
"""

from __future__ import annotations

import sys

import click

from hrzone import __version__
from hrzone.errors import HrzoneError


class HrzoneGroup(click.Group):
    """Click group that turns library errors into one line and an exit code."""

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
            click.echo(f"Error: unexpected {type(e).__name__}: {e} (run with --debug for details)",
                       err=True)
            ctx.exit(1)


@click.group(cls=HrzoneGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hrzone")
@click.option("--debug", is_flag=True, help="Show full tracebacks for unexpected errors.")
def cli(debug: bool) -> None:
    """hrzone: heart-rate intensity zones and weekly activity minutes from a chest strap."""


def _register() -> None:
    # Each noun lives in its own module; importing it attaches its commands to `cli`.
    from hrzone.cli import replay, summary  # noqa: F401
    from hrzone.cli import export, log, plot, profile, week  # noqa: F401
    from hrzone.cli import simulate  # noqa: F401
    from hrzone.cli import live  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    _register()
    cli(prog_name="hrzone")


_register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
