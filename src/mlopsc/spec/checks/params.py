"""Pipeline parameters that stand for values SageMaker checks (instance types and counts, approval statuses),
and parameters with an `allowed_prefix`: validate checks each one's type and default, `mlopsc run` a run's
value, by the same facts (`value_problem`, `run_problem`)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from mlopsc.spec.checks import CheckContext
from mlopsc.spec.grammar import ascii_digits, describe
from mlopsc.spec.instances import instance_type
from mlopsc.spec.refs import fill_globals
from mlopsc.spec.models.base import param_name
from mlopsc.spec.models.pipelines import APPROVAL_STATUSES, COUNT_RANGE

CODE = "MLC234"
WHAT = {"instance": "an instance type", "count": "an instance count", "approval": "a model approval status"}


@dataclass(frozen=True)
class Slot:
    """Where a `${params.NAME}` stands: for what (instance | count | approval) and, for an instance type, the
    use SageMaker offers it for (processing | training, as src/mlopsc/data/aws.json lists them)."""

    what: str
    use: str | None = None

    @property
    def kind(self) -> str:
        return "integer" if self.what == "count" else "string"


@dataclass(frozen=True)
class RunCheck:
    """What `mlopsc run` checks a parameter's value against: the slots it stands in, its default and prefix."""

    slots: tuple[Slot, ...]
    default: object = None
    allowed_prefix: str | None = None
    volume_key: bool = False  # the env encrypts job volumes with its own KMS key (VolumeKmsKeyId)


def slots(pipeline) -> list[tuple[str, Slot, tuple]]:
    """(parameter name, slot, path in the pipeline) of every value that is a whole `${params.NAME}`."""
    found = []
    for i, step in enumerate(pipeline.steps):
        if step.type in ("processing", "training", "baseline"):
            use = "training" if step.type == "training" else "processing"
            for field, slot in (("type", Slot("instance", use)), ("count", Slot("count"))):
                name = param_name(getattr(step.instance, field))
                if name is not None:
                    found.append((name, slot, ("steps", i, "instance", field)))
        elif step.type == "register" and param_name(step.approval) is not None:
            found.append((param_name(step.approval), Slot("approval"), ("steps", i, "approval")))
    return found


def value_problem(slot: Slot, value: object) -> tuple[str, str | None] | None:
    """(message, hint) when SageMaker refuses `value` (a default, or a run's text) where `slot` is; else None."""
    if slot.what == "instance":
        try:
            instance_type(slot.use)(value)  # the check `instance:` itself is given (spec/instances.py)
        except PydanticCustomError as err:
            return err.context["message"], err.context["hint"]
        return None
    if slot.what == "count":
        low, high = COUNT_RANGE
        number = value if isinstance(value, int) and not isinstance(value, bool) else (
            int(value) if ascii_digits(value, 4) else None)
        if number is not None and low <= number <= high:
            return None
        return (f"{describe(value)} is not an instance count SageMaker accepts ({low}-{high})",
                f"give a whole number from {low} to {high}")
    if value in APPROVAL_STATUSES:
        return None
    return f"{describe(value)} is not a model approval status", f"use one of {', '.join(APPROVAL_STATUSES)}"


def kind_problem(default: object, value: str) -> tuple[str, str] | None:
    """A run's instance type of another kind (CPU, GPU, Inferentia, Trainium) than the default, which the
    step's image was resolved for at compile time."""
    from mlopsc.compile.image_table import sm_family

    def kind(instance: object) -> str:
        family = sm_family(str(instance))
        return next((word for start, word in (("inf", "Inferentia"), ("trn", "Trainium")) if family.startswith(start)),
                    "GPU" if family[:1] in ("g", "p") else "CPU")
    if kind(default) == kind(value):
        return None
    message = (f"`{value}` is {_article(kind(value).lower())} {kind(value)} instance, and the step's image was resolved for the default "
               f"`{default}`, a {kind(default)} instance")
    return message, (f"pass {_article(kind(default).lower())} {kind(default)} instance type, or change the parameter's default and compile and "
                     "apply again")


def storage_problem(default: str, value: str) -> tuple[str, str] | None:
    """A run's instance type whose local storage differs from the default's, in an env that encrypts job volumes
    with its own key: compile wrote VolumeKmsKeyId (or left it out) for the default. SageMaker refuses the key on
    an instance with NVMe storage (CreateProcessingJob/CreateTrainingJob: "You can't request a VolumeKmsKeyId when
    using an instance type with local storage"); without it, an EBS volume gets an AWS-owned key, not the env's."""
    from mlopsc.resolve.uses import has_local_storage

    if has_local_storage(default) == has_local_storage(value):
        return None
    if has_local_storage(value):
        return (f"`{value}` has local NVMe storage, and the step's definition encrypts its volume with the env's KMS "
                f"key (VolumeKmsKeyId, as for the default `{default}`), which SageMaker refuses on such an instance",
                "pass an instance type without local storage, or give the parameter such a default and compile and "
                "apply again")
    return (f"`{value}` has no local storage: its EBS volume would be encrypted with an AWS-owned key, not the env's "
            f"KMS key (the definition names none, for the default `{default}` encrypts its NVMe storage itself)",
            "pass an instance type with local storage (a `d` type such as ml.r5d.xlarge), or give the parameter such a "
            "default and compile and apply again")


def run_checks(pipeline, volume_key: bool = False) -> dict[str, RunCheck]:
    """parameter name -> what a run's value must satisfy, for the parameters that have something to satisfy;
    volume_key: the env encrypts job volumes with a key of its own (the run's instance storage must then match)."""
    found: dict[str, list[Slot]] = {}
    for name, slot, _ in slots(pipeline):
        if slot not in found.setdefault(name, []):
            found[name].append(slot)
    for name, param in pipeline.parameters.items():
        if param.allowed_prefix is not None:
            found.setdefault(name, [])
    return {name: RunCheck(tuple(found[name]), pipeline.parameters[name].default,
                           pipeline.parameters[name].allowed_prefix, volume_key)
            for name in sorted(found) if name in pipeline.parameters}


def run_problem(check: RunCheck, value: str) -> tuple[str, str | None] | None:
    """(message, hint) when a run's value for a parameter would fail where the parameter stands; else None."""
    for slot in check.slots:
        problem = value_problem(slot, value)
        if problem is None and slot.what == "instance" and isinstance(check.default, str):
            problem = kind_problem(check.default, value) or (storage_problem(check.default, value)
                                                             if check.volume_key else None)
        if problem is not None:
            return problem
    if check.allowed_prefix is not None and not value.startswith(check.allowed_prefix):
        message = (f"{describe(value)} is outside the parameter's allowed_prefix {check.allowed_prefix}, the only "
                   "location the execution role may read for it")
        return message, f"pass a location under {check.allowed_prefix}"
    return None


def _for(slot: Slot) -> str:
    return f" for {slot.use} jobs" if slot.use else ""


def check(ctx: CheckContext) -> None:
    for pname, pipeline in ctx.spec.pipelines.items():
        base = ("pipelines", pname)
        for name, slot, path in slots(pipeline):
            param = pipeline.parameters.get(name)
            if param is None:  # references.py reports the unknown name (MLC210)
                continue
            at = _where(ctx, base + path)
            what = f"`${{params.{name}}}` stands for {WHAT[slot.what]}{_for(slot)}"
            if param.type != slot.kind:
                ctx.error(at, CODE, f"{what}: parameter `{name}` is {_article(param.type)} {param.type}",
                          f"declare it `{{type: {slot.kind}, default: …}}`")
            elif param.default is None:
                ctx.error(_param_path(ctx, base, name), CODE, f"parameter `{name}` has no default, and {what}: "
                          "validate checks the default, and compile and cost go by it", "give it a default")
            else:
                problem = value_problem(slot, param.default)
                if problem is not None:
                    ctx.error(_param_path(ctx, base, name), CODE, f"parameter `{name}`'s default: {problem[0]}; "
                              f"{what}", problem[1])
        _prefixes(ctx, pipeline, base)


def _prefixes(ctx: CheckContext, pipeline, base: tuple) -> None:
    for name, param in pipeline.parameters.items():
        prefix = param.allowed_prefix
        if prefix is None:
            continue
        if "${" in prefix or not prefix.endswith("/"):
            ctx.error(base + ("parameters", name, "allowed_prefix"), CODE, f"parameter `{name}`'s allowed_prefix "
                      f"{describe(prefix)} is not a literal S3 prefix ending with `/`",
                      "write `s3://bucket/prefix/` as it is in every env (an overlay may set another per env)")
        elif param.type != "string":
            ctx.error(base + ("parameters", name, "allowed_prefix"), CODE, f"parameter `{name}` is "
                      f"{_article(param.type)} {param.type}: only a string parameter (an S3 location) has an "
                      "allowed_prefix", "drop `allowed_prefix`, or make the parameter a string")
        elif not isinstance(param.default, str) or not _filled(ctx, param.default).startswith(prefix):
            ctx.error(_param_path(ctx, base, name), CODE, f"parameter `{name}`'s default "
                      f"{describe(param.default)} is not under its allowed_prefix {prefix}",
                      f"give a default under {prefix} (the execution role may read only there)")


def _filled(ctx: CheckContext, default: str) -> str:
    """A default as the definition names it: `${region}`, `${project}` (and `${env}` when one env is checked)
    filled in, as compile fills them (`${bucket}` needs the account: left as written)."""
    values = {"region": ctx.spec.project.region, "project": ctx.spec.project.name}
    if ctx.env:
        values["env"] = ctx.env
    return fill_globals(default, values)


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"


def _where(ctx: CheckContext, path: tuple) -> tuple:
    """path, or its parent where the source wrote the shorthand (`instance: ${params.T}`)."""
    return path if ctx.tree.locate(path).exact else path[:-1]


def _param_path(ctx: CheckContext, base: tuple, name: str) -> tuple:
    """The parameter's default as written: `name: value`, or `default:` of `{type, default}`."""
    return _where(ctx, base + ("parameters", name, "default"))
