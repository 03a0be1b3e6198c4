"""`mlopsc compile`: write manifest.json, pipelines/*.json and a standalone Pulumi project."""

from __future__ import annotations

import click

from mlopsc import api
from mlopsc.cli.common import failing, load_env
from mlopsc.text import plural


@click.command("compile")
@click.argument("spec", default="mlops.yaml", type=click.Path(dir_okay=True))
@click.option("--env", "env", metavar="ENV", required=True, help="The environment to compile.")
@click.option("--out", "out", metavar="DIR", help="Output folder (default: build/<env>/ beside mlops.yaml).")
def compile_command(spec: str, env: str, out: str | None) -> int:
    """Compile SPEC for ENV into artifacts: manifest.json, pipelines/<name>.json, a Pulumi project."""
    spec = api.spec_file(spec)
    out = out or api.default_out(spec, env)
    with failing(spec, "nothing written"):
        _check_out(out)  # refused before anything is compiled (MLC231): `.`, `..`, `/`, a file, a device
        compiled = api.compile_project(load_env(spec, env))
        api.write(compiled, out)
    click.echo(f"{spec}: compiled {env} into {out}/ ({plural(len(compiled.manifest['resources']), 'resource')}, "
               f"{plural(len(compiled.definitions), 'pipeline definition')})")
    return 0


def _check_out(out: str) -> None:
    from mlopsc.emit.writer import EmitError, check_out
    from mlopsc.errors import Diagnostic, DiagnosticError, Mark

    try:
        check_out(out)
    except EmitError as exc:
        raise DiagnosticError([Diagnostic(Mark(out, 0, 0), "MLC231", f"cannot write the artifacts: {exc}",
                                          "pass --out a new or empty folder, or a build folder mlopsc wrote "
                                          "(default: build/<env>/ beside mlops.yaml)")]) from None
