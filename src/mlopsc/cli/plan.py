"""`mlopsc plan`: what apply would change; exit 0 no changes, 2 changes, 1 error."""

from __future__ import annotations

import sys

import click

from mlopsc import api
from mlopsc.cli.common import failing
from mlopsc.cli.findings import FORMATS as FINDINGS, render_findings
from mlopsc.cli.render import at_subject, one_line, print_diagnostics, summary, use_colour
from mlopsc.errors import Diagnostic, DiagnosticError
from mlopsc.plan.render import FORMATS


@click.command("plan")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to plan.")
@click.option("--base", "base_ref", metavar="GITREF",
              help="Diff against the spec as it stands at this git ref (no cloud needed); "
                   "default: the env's last applied state.")
@click.option("--format", "fmt", type=click.Choice([*FORMATS, *FINDINGS]), default="text", show_default=True,
              help="text for terminals, markdown for pull-request comments, json for machines (plan_version 1); "
                   "sarif (SARIF 2.1.0, for code scanning) or github (GitHub Actions annotations): not the plan "
                   "but its findings (the env's warnings, policy findings, or the errors that stop it), on stdout.")
@click.option("--out", "out", metavar="FILE", help="Write the plan to FILE (atomically) instead of stdout.")
@click.option("--live", is_flag=True,
              help="Diff against the deployed stack itself: a real `pulumi preview` through the Automation API "
                   "(needs the pulumi CLI and cloud credentials, like apply; writes build/<env>/).")
def plan(spec: str, env: str, base_ref: str | None, fmt: str, out: str | None, live: bool = False) -> int:
    """Show what apply would change in ENV: each resource created, updated, replaced or deleted.

    The base is the env's last applied graph (recorded by apply), the spec at a git ref
    (--base), or the stack as Pulumi sees it (--live: what `pulumi preview` reports, drift
    included). With --live, the last env's served versions are checked in the model registry:
    one not Approved is a warning (MLC258), as apply refuses it. With --format sarif or github,
    stdout gets the plan's findings instead of the plan, for code scanning and pull-request
    annotations; the exit code is the plan's.
    """
    from mlopsc.plan.render import render

    if live and base_ref is not None:
        raise click.UsageError("--live and --base are two different bases (the deployed stack, a git ref): "
                               "pass one of them")
    findings = fmt in FINDINGS
    if findings and out is not None:
        raise click.UsageError(f"--out writes the plan; --format {fmt} prints the plan's findings on stdout: "
                               "redirect them (> findings file), or pass --format text, markdown or json")
    spec = api.spec_file(spec)
    found: list[Diagnostic] = []  # --format sarif|github: every finding, shown at the end
    show = found.extend if findings else (lambda diagnostics: print_diagnostics(diagnostics, sys.stderr))
    try:
        with failing(spec, "no plan"):
            if out is not None:  # refused before anything is compiled (MLC413): --out mlops.yaml, a folder, a device
                from mlopsc.plan.outfile import check_out

                check_out(out)
            env_spec, warnings = api.load_env(spec, env)
            show(warnings)
            if live:
                the_plan = api.live_plan(env_spec, emit=lambda line: click.echo(line, err=True),
                                         warn=lambda diagnostics: show(at_subject(diagnostics, spec)))
            else:
                the_plan, warnings = api.make_plan(env_spec, base_ref)
                show(warnings)
            text = "" if findings else render(the_plan, fmt, colour=out is None and fmt == "text" and use_colour(sys.stdout))
            if out is not None:
                api.write_plan(out, text)
    except DiagnosticError as exc:
        if not findings:
            raise
        found += at_subject(exc.diagnostics, spec)
        click.echo(render_findings(found, fmt, spec), nl=False)
        click.echo(one_line(f"{spec}: {summary(found)}; no plan"), err=True)
        return 1
    if findings:
        click.echo(render_findings(found, fmt, spec), nl=False)
    elif out is not None:
        click.echo(one_line(f"{spec}: plan for {env} written to {out}"), err=True)  # paths escaped: a name is any bytes
    else:
        click.echo(text, nl=False)
    return 2 if the_plan.has_changes else 0
