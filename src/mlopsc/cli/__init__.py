"""The `mlopsc` command: a click group whose subcommands are imported only when run."""

from __future__ import annotations

import importlib
import os
import sys

import click

from mlopsc import __version__
from mlopsc.errors import DiagnosticError

# name -> (module:function, one-line help). Listing them here keeps `--help` free of heavy imports.
COMMANDS: dict[str, tuple[str, str]] = {
    "validate": ("mlopsc.cli.validate:validate", "Parse, merge and validate the spec; no cloud, no Pulumi."),
    "schema": ("mlopsc.cli.schema:schema", "Print the JSON Schema of mlops.yaml (or of an overlay)."),
    "compile": ("mlopsc.cli.compile:compile_command", "Write manifest.json, pipeline definitions and a Pulumi project."),
    "plan": ("mlopsc.cli.plan:plan", "Show what apply would change (exit 0 none, 2 changes)."),
    "apply": ("mlopsc.cli.apply:apply", "Deploy an env with the Pulumi Automation API."),
    "destroy": ("mlopsc.cli.apply:destroy", "Tear an env down."),
    "promote": ("mlopsc.cli.promote:promote", "Copy endpoint and batch versions from one env's overlay to the next."),
    "cost": ("mlopsc.cli.cost:cost", "Estimated monthly cost per resource, against the budgets."),
    "init": ("mlopsc.cli.init:init", "Scaffold a project, optionally with a CI workflow for plan previews."),
    "run": ("mlopsc.cli.operate:run", "Start a pipeline execution (and --wait for it)."),
    "status": ("mlopsc.cli.operate:status", "Endpoints, recent executions, alarms and pending approvals of an env."),
    "audit": ("mlopsc.cli.audit:audit", "Which version each endpoint and batch job serves, and what made it."),
    "completion": ("mlopsc.cli.completion:completion", "Print the shell completion script (bash, zsh or fish)."),
}


class LazyGroup(click.Group):
    """A group that imports a subcommand's module only when that subcommand runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _, attr = COMMANDS[name][0].partition(":")
        command = getattr(importlib.import_module(module), attr)
        if "_MLOPSC_COMPLETE" in os.environ:  # completing a word: ENV options offer the spec's env names
            from mlopsc.cli.completion import complete_envs

            complete_envs(command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="mlopsc")
def cli() -> None:
    """Compile one mlops.yaml (+ environments/<env>.yaml overlays) into Pulumi stacks and
    SageMaker Pipelines; validate, plan, apply and promote models between environments.

    Exit codes: 0 success, 1 invalid input or error, 2 (plan) changes pending.
    """


def main(argv: list[str] | None = None) -> None:
    """Entry point: usage errors exit 1 (2 is reserved for 'plan has changes'), never a traceback."""
    # mlopsc uses no pydantic plugin; looking for them reads every installed distribution's metadata
    # (~35 ms of each run). A user who sets the variable keeps their setting.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        code = cli.main(args=argv, prog_name="mlopsc", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        exc.show()
        code = 1
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        code = 1
    except click.exceptions.ClickException as exc:
        exc.show()
        code = 1
    except DiagnosticError as exc:  # every expected failure: diagnostics, never a traceback
        from mlopsc.cli.render import report

        code = report(exc)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        code = 130
    except BrokenPipeError:
        code = 0
    except Exception as exc:  # the last line of defence: a bug in mlopsc, never a traceback for the user
        if os.environ.get("MLOPSC_DEBUG"):
            raise
        click.echo(f"mlopsc: internal error: {type(exc).__name__}: {exc}\n"
                   "This is a bug in mlopsc; please report it (set MLOPSC_DEBUG=1 to see the traceback).", err=True)
        code = 1
    sys.exit(code if isinstance(code, int) else 0)
