"""What promote moves: the `version`s of the resolved `--from` env, or each served model's latest
Approved version in the model registry (`--latest-approved`); promote/core.py edits the overlay."""

from __future__ import annotations

from typing import Callable, Mapping

from mlopsc.errors import NO_MARK, Diagnostic, has_errors
from mlopsc.promote.core import SECTIONS, Item, PromoteError, Promotion, edit_overlay, load_base
from mlopsc.promote.registry import group_ids, latest_approved
from mlopsc.spec.grammar import did_you_mean
from mlopsc.spec.models import Spec
from mlopsc.spec.project import OVERLAY_DIR, EnvSpec, declared_envs, load_project

NO_APPROVED = "MLC264"

# (models, model -> its group's name or ARN, region) -> model -> its latest Approved version (None: there is none)
Latest = Callable[[list[str], Mapping[str, str], str], Mapping[str, "int | None"]]


def plan_promotion(spec: str, names: list[str], source: str, target: str) -> Promotion:
    """`--from SOURCE --to TARGET`: resolve, check and edit (in memory); raises PromoteError with what is wrong."""
    envs = declared_envs(load_base(spec).root)
    _check_envs(envs, source, target)
    source_spec = _valid(spec, source).spec
    loaded_target = load_project(spec, [target])
    target_before = loaded_target.specs.get(target)
    target_spec = target_before.spec if target_before and not has_errors(loaded_target.diagnostics) else None
    chosen, skipped = _select(source_spec, names, source)
    items = [_item(section, name, source_spec, target_spec, source, target) for section, name in chosen]
    return edit_overlay(spec, target, items, source=source, environments=envs, target_spec=target_spec,
                        skipped=skipped, registry=target_before.resolved.registry if target_spec else None)


def plan_latest_approved(spec: str, names: list[str], target: str, latest: Latest | None = None,
                         endpoint_url: str | None = None) -> Promotion:
    """`--latest-approved --to TARGET`: each endpoint and batch job of TARGET that serves a registry version
    (those named, or all) gets its model's highest Approved version (read from the registry by `latest`,
    default ListModelPackages); PromoteError MLC264 when a model has none, RegistryError when unreadable."""
    envs = declared_envs(load_base(spec).root)
    _check_env(envs, "--to", target)
    env_spec = _valid(spec, target)
    chosen, skipped = _select(env_spec.spec, names, target)
    entries = [(section, name, getattr(env_spec.spec, section)[name]) for section, name in chosen]
    registry = env_spec.resolved.registry
    if latest is None:
        def latest(models, groups, region):
            return latest_approved(models, groups, region, endpoint_url)

    found = latest([entry.model for _, _, entry in entries], group_ids(registry), registry.region)
    _require_found(found, entries, registry.groups)
    items = [Item(section, name, entry.model, int(found[entry.model]), int(entry.version))  # type: ignore[arg-type]
             for section, name, entry in entries]
    return edit_overlay(spec, target, items, source=None, environments=envs, target_spec=env_spec.spec,
                        skipped=skipped, registry=registry)


def _require_found(found: Mapping[str, int | None], entries: list, groups: Mapping[str, str]) -> None:
    """MLC264 for each model with no Approved version, naming who serves it."""
    refused = []
    for model in dict.fromkeys(entry.model for _, _, entry in entries):
        if found.get(model) is not None:
            continue
        who = ", ".join(f"{dict(SECTIONS)[section]} {name}" for section, name, entry in entries if entry.model == model)
        refused.append(Diagnostic(NO_MARK, NO_APPROVED, f"model `{model}` has no Approved version in model package "
                                  f"group {groups[model]} (served by {who}), so there is nothing to promote",
                                  "approve a version in the model registry (SageMaker Studio, or `aws sagemaker "
                                  "update-model-package --model-package-arn ARN --model-approval-status Approved`), "
                                  "then promote again"))
    if refused:
        count = f"{len(refused)} model{'s' * (len(refused) != 1)}"
        raise PromoteError(f"--latest-approved: {count} without an Approved version; nothing written",
                           diagnostics=refused, code=NO_APPROVED)


def _valid(spec: str, env: str) -> EnvSpec:
    """The env's validated spec; PromoteError with its diagnostics when it is not valid."""
    loaded = load_project(spec, [env])
    if has_errors(loaded.diagnostics) or env not in loaded.specs:
        raise PromoteError(f"{spec} is not valid for `{env}`; nothing promoted",
                           f"fix it first (`mlopsc validate --env {env}`)", loaded.diagnostics)
    return loaded.specs[env]


def _check_env(envs: list[str], flag: str, env: str) -> None:
    if env not in envs:
        listed = ", ".join(envs) or "none"
        hint = did_you_mean(env, envs) or "pass one of them, or add it to `environments` in mlops.yaml"
        raise PromoteError(f"{flag} {env}: environment `{env}` is not in `environments` ({listed})", hint,
                           code="MLC022")


def _check_envs(envs: list[str], source: str, target: str) -> None:
    listed = ", ".join(envs) or "none"
    for flag, env in (("--from", source), ("--to", target)):
        _check_env(envs, flag, env)
    if source == target:
        raise PromoteError(f"--from and --to are both `{source}`: nothing to promote",
                           "promote from one env to a later one, e.g. --from staging --to prod")
    if envs.index(target) < envs.index(source):
        raise PromoteError(f"`{target}` comes before `{source}` in `environments` ({listed}): promotion goes forward "
                           "only", f"to roll `{target}` back, set its version in {OVERLAY_DIR}/{target}.yaml in a pull "
                           "request, or promote from an env before it")


def _select(spec: Spec, names: list[str], source: str) -> tuple[list[tuple[str, str]], list[str]]:
    available = {section: getattr(spec, section) for section, _ in SECTIONS}
    chosen: list[tuple[str, str]] = []
    skipped: list[str] = []
    if names:
        for name in dict.fromkeys(names):
            found = [section for section, _ in SECTIONS if name in available[section]]
            if not found:
                every = [n for section, _ in SECTIONS for n in available[section]]
                hint = did_you_mean(name, every) or (f"endpoints and batch jobs in {source}: {', '.join(sorted(every))}"
                                                     if every else f"{source} has no endpoints or batch jobs")
                raise PromoteError(f"no endpoint or batch job named `{name}` in `{source}`", hint, code="MLC261")
            for section in found:
                entry = available[section][name]
                if entry.version is None:
                    raise PromoteError(f"{dict(SECTIONS)[section]} `{name}` serves its own image + model_data in "
                                       f"`{source}`: there is no registry version to promote",
                                       "promote copies `version`s; change `image`/`model_data` in the target "
                                       "overlay by hand")
                chosen.append((section, name))
        return chosen, skipped
    for section, kind in SECTIONS:
        for name, entry in available[section].items():
            if entry.version is None:
                skipped.append(f"{kind} {name}: skipped, it serves its own image + model_data in {source}")
            else:
                chosen.append((section, name))
    if not chosen:
        raise PromoteError(f"`{source}` has no endpoint or batch job serving a registry version: nothing to promote")
    return chosen, skipped


def _item(section: str, name: str, source_spec: Spec, target_spec: Spec | None, source: str, target: str) -> Item:
    entry = getattr(source_spec, section)[name]
    kind = dict(SECTIONS)[section]
    current = None
    if target_spec is not None:
        there = getattr(target_spec, section).get(name)
        if there is None:
            raise PromoteError(f"{kind} `{name}` does not exist in `{target}`",
                               f"define it in mlops.yaml (or {OVERLAY_DIR}/{target}.yaml) before promoting to it")
        if there.version is None:
            raise PromoteError(f"{kind} `{name}` serves its own image + model_data in `{target}`: a version cannot be "
                               "promoted into it", f"remove `image`/`model_data` from {OVERLAY_DIR}/{target}.yaml first")
        if there.model != entry.model:
            raise PromoteError(f"{kind} `{name}` serves model `{entry.model}` in `{source}` but `{there.model}` in "
                               f"`{target}`: promote copies versions of the same model only",
                               f"make the models agree in {OVERLAY_DIR}/{target}.yaml first")
        current = there.version
    return Item(section, name, entry.model, int(entry.version), None if current is None else int(current))
