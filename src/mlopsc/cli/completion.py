"""`mlopsc completion SHELL`: click's completion script for bash, zsh or fish, and env names to complete `ENV` options."""

from __future__ import annotations

import os

import click

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_MLOPSC_COMPLETE"
MAX_SPEC_BYTES = 1 << 20  # past a megabyte the spec is not read just to complete a word


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> int:
    """Print the completion script of SHELL (bash, zsh or fish) on stdout.

    \b
    bash:  eval "$(mlopsc completion bash)"   in ~/.bashrc
    zsh:   eval "$(mlopsc completion zsh)"    in ~/.zshrc
    fish:  mlopsc completion fish > ~/.config/fish/completions/mlopsc.fish

    Commands, options and choices complete, and so do the env names of the spec in the current
    folder (or the SPEC argument) after `--env`, `--from` and `--to`.
    """
    from click.shell_completion import get_completion_class

    root = click.get_current_context().find_root().command
    script = get_completion_class(shell)(root, {}, "mlopsc", COMPLETE_VAR).source()  # type: ignore[misc]
    click.echo(script.rstrip("\n"))
    return 0


def env_names(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    """The `environments` of the spec the command names (default ./mlops.yaml) that start with
    `incomplete`, from the file's text alone; [] when there is no readable spec (never an error)."""
    import yaml

    # while an option's value is completed, click leaves the positional SPEC in ctx.args
    spec = str(next((a for a in ctx.args if not a.startswith("-")), None) or ctx.params.get("spec") or "mlops.yaml")
    path = os.path.join(spec, "mlops.yaml") if os.path.isdir(spec) else spec
    try:
        if os.path.getsize(path) > MAX_SPEC_BYTES:
            return []
        with open(path, encoding="utf-8") as fh:
            data = yaml.safe_load(fh)
        envs = data.get("environments") if isinstance(data, dict) else None
    except (OSError, ValueError, yaml.YAMLError, RecursionError):
        return []
    names = [str(env) for env in envs] if isinstance(envs, list) else []
    return [name for name in names if name.startswith(incomplete) and name.isprintable()]


def complete_envs(command: click.Command) -> click.Command:
    """command with env-name completion on each option whose metavar is ENV (and no completion of its own)."""
    for param in command.params:
        if isinstance(param, click.Option) and param.metavar == "ENV" and param._custom_shell_complete is None:
            param._custom_shell_complete = env_names
    return command
