"""The ``app`` command: serve the interactive view (policy view and classroom) with Dash.

``governance-sim app`` serves on http://127.0.0.1:8050/ (loopback only, so nobody else on
the network can reach it); ``--host 0.0.0.0`` serves a classroom network on purpose.
``--lang nb`` shows the pages in Norwegian (bokmål) unless a page's address says
``?lang=en``. ``--uncertainty TABLE`` (repeatable: a path or ``calibrated``) offers parameter
tables to the policy view besides ``none`` and ``calibrated``; they are loaded and checked
before serving, and the browser chooses among them by key only. The address is printed
before serving. A port that is taken, or a bad table, is reported in one line (exit 2).
"""

from __future__ import annotations

import typer

from governance_sim.params import UserInputError
from governance_sim.serving import PortError, check_port, is_loopback

__all__ = ["register", "PortError", "check_port", "is_loopback"]


def register(app: typer.Typer) -> None:
    """Add ``app`` to the command line."""

    @app.command("app")
    def app_command(
        host: str = typer.Option("127.0.0.1", "--host",
                                 help="Address to serve on; the default is this machine "
                                 "only. 0.0.0.0 serves every network interface."),
        port: int = typer.Option(8050, "--port", min=1, max=65535, help="Port to serve on."),
        lang: str = typer.Option("en", "--lang",
                                 help="Language of the pages: en (English) or nb (Norwegian "
                                 "bokmål); a page's address may choose the other (?lang=)."),
        uncertainty: list[str] = typer.Option(
            None, "--uncertainty", metavar="TABLE",
            help="A parameter table the policy view offers (repeatable): a .csv/.toml file "
            "of parameter sets or ranges, or 'calibrated'. 'none' and 'calibrated' are "
            "always offered; the page chooses among them by name, never by path."),
        debug: bool = typer.Option(False, "--debug",
                                   help="Dash debug mode (reloads on code changes; runs a "
                                   "code-executing debugger, so only with a loopback "
                                   "--host)."),
    ) -> None:
        """Start the interactive view: policy view and classroom mode, in the browser."""
        if debug and not is_loopback(host):
            raise PortError(f"--debug with --host {host}: debug mode runs an interactive "
                            "debugger that executes code, so it serves this machine only; "
                            "use --host 127.0.0.1 (or localhost, ::1) with --debug")
        from governance_sim.i18n import check_language

        lang = check_language(lang)
        from governance_sim.uncertainty import load_table

        tables = [load_table(source) for source in uncertainty or ()]
        check_port(host, port)
        from governance_sim.app import create_app
        from governance_sim.app.layout import TABLES_CONFIG_KEY

        dash_app = create_app(lang=lang, uncertainty=tables)
        from governance_sim.app.participatory_launch import SERVED_HOST_KEY

        # the Phones panel shows the teacher's key only when the app serves this machine
        dash_app.server.config[SERVED_HOST_KEY] = host
        offered = dash_app.server.config[TABLES_CONFIG_KEY]
        shown = f"[{host}]" if ":" in host else host
        typer.echo(f"governance-sim app: open http://{shown}:{port}/ in a browser "
                   "(Ctrl+C to stop)", err=False)
        typer.echo("parameter tables offered: " + ", ".join(
            key if table is None or table.name == key else f"{key} ({table.path})"
            for key, table in offered.entries), err=False)
        if not is_loopback(host):
            typer.echo(f"note: serving on {host}: anyone who can reach this machine on port "
                       f"{port} can use the app", err=True)
        dash_app.run(host=host, port=port, debug=debug, dev_tools_silence_routes_logging=True)

    @app.command("classroom")
    def classroom_command(
        participatory: bool = typer.Option(False, "--participatory",
                                           help="Students play roles from their phones."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on."),
        lan: bool = typer.Option(False, "--lan", help="Serve the classroom network."),
        port: int = typer.Option(8060, "--port", min=1, max=65535, help="Port to serve on."),
        lang: str = typer.Option("en", "--lang", help="en or nb (the teacher's page)."),
        max_students: int = typer.Option(60, "--max-students", min=1, max=200),
        logic: str = typer.Option("bureaucracy", "--logic", help="Logic at the start."),
        months_per_round: int = typer.Option(1, "--months-per-round", help="1 or 3."),
        round_seconds: int = typer.Option(0, "--round-seconds", min=0, max=600,
                                          help="Round timer (0: the teacher's next only)."),
        seed: int = typer.Option(1, "--seed", min=0),
    ) -> None:
        """The participatory classroom (docs/participatory.md)."""
        if not participatory:
            raise UserInputError("classroom: add --participatory (students play from phones); the "
                            "watching classroom is in `governance-sim app`")
        from governance_sim.participatory.cli import run_classroom

        run_classroom(host=host, port=port, lan=lan, lang=lang, max_students=max_students,
                      logic=logic, seed=seed, months_per_round=months_per_round,
                      round_seconds=round_seconds, echo=typer.echo)
