"""The `evidence` command line. Thin: parse options, call the library, print, map errors."""

from __future__ import annotations

import typer

from evidence import __version__

app = typer.Typer(
    name="evidence",
    help="Track the claims of a document and the studies behind them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"evidence {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Track the claims of a document and the studies behind them."""


def main() -> None:
    app(prog_name="evidence")


if __name__ == "__main__":  # pragma: no cover
    main()
