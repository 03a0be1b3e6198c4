"""Messages a new user found unhelpful (issue 13): they name their key, say where a parameter may go, and
one run reports every problem (a bad value in one step does not hide the references of the others)."""

from __future__ import annotations

import pytest
import yaml

from mlopsc.spec.models import Spec
from mlopsc.spec.project import load_project
from mlopsc.spec.refs import PARAMETER_FIELDS, parameter_places
from mlopsc.spec.validate import STEP_STAND_INS

HEAD = """\
version: 1
project: {name: demo, region: eu-west-1}
environments: [dev]
models: {churn: {}}
"""

STEPS = {  # one complete step of each type, with the earlier steps a reference can use
    "processing": {"name": "prep", "type": "processing", "image": "sklearn:1.2-1", "instance": "ml.m5.large",
                   "outputs": ["train"]},
    "training": {"name": "fit", "type": "training", "image": "xgboost:1.7-1", "instance": "ml.m5.large"},
    "baseline": {"name": "profile", "type": "baseline", "dataset": "${steps.prep.outputs.train}"},
    "condition": {"name": "gate", "type": "condition", "conditions": ["1 == 1"], "if_true": ["stop"]},
    "register": {"name": "keep", "type": "register", "model": "churn", "image": "xgboost:1.7-1",
                 "artifacts": "${steps.fit.model}"},
    "fail": {"name": "stop", "type": "fail"},
}
ORDER = ("processing", "training", "baseline", "register", "condition", "fail")


def pipeline_spec(steps: list[dict], parameters: dict | None = None) -> dict:
    spec = yaml.safe_load(HEAD)
    spec["pipelines"] = {"train": {"parameters": parameters or {}, "steps": steps}}
    return spec


def load(tmp_path, text: str, overlays: dict[str, str] | None = None):
    (tmp_path / "mlops.yaml").write_text(text)
    for env, body in (overlays or {}).items():
        (tmp_path / "environments").mkdir(exist_ok=True)
        (tmp_path / "environments" / f"{env}.yaml").write_text(body)
    return load_project(str(tmp_path / "mlops.yaml"))


def _with_parameter(field: str) -> object:
    """A value of `field` that is, or holds, `${params.p}`."""
    ref = "${params.p}"
    if field in ("arguments", "conditions"):
        return [f"{ref} == 1"] if field == "conditions" else ["--x", ref]
    if field in ("inputs", "environment", "hyperparameters"):
        return {"x": ref}
    return ref


@pytest.mark.parametrize("step_type, field", [(t, f) for t, fs in PARAMETER_FIELDS.items() for f in fs])
def test_every_place_the_parameter_list_names_takes_a_parameter(step_type, field):
    """PARAMETER_FIELDS is what MLC213's hint tells users: each place it names validates with `${params.p}`."""
    steps = [dict(STEPS[t]) for t in ORDER]
    target = next(s for s in steps if s["type"] == step_type)
    value = _with_parameter(field)
    if field.startswith("instance."):
        target["instance"] = {"type": "ml.m5.large", field.split(".")[1]: value}
    else:
        target[field] = value
    default = {"instance.count": 2, "approval": "Approved"}.get(field, "ml.m5.large" if "instance" in field else "s3://b/p/")
    Spec.model_validate(pipeline_spec(steps, {"p": default}))


@pytest.mark.parametrize("field", sorted({f for fs in PARAMETER_FIELDS.values() for f in fs}))
def test_the_hint_names_every_place(field):
    assert f"`{field}`" in parameter_places()


@pytest.mark.parametrize("step_type", ["processing", "training", "baseline", "condition", "register"])
def test_each_stand_in_is_a_valid_value_of_its_field(step_type):
    """validate.py stands these in for a required step field that failed: each must pass the schema."""
    for below, value in STEP_STAND_INS.items():
        step = dict(STEPS[step_type])
        if below[0] not in step or step_type in ("baseline",) and below[0] == "instance":
            continue
        if len(below) == 2:
            step[below[0]] = {below[1]: value}
        else:
            step[below[0]] = value
        Spec.model_validate(pipeline_spec([dict(STEPS["processing"]), dict(STEPS["training"]), step]
                                          if step_type not in ("processing", "training") else [step]))


def test_a_type_error_names_its_key(tmp_path):
    text = HEAD + "pipelines:\n  train:\n    steps:\n      - {name: fit, type: training, image: \"xgboost:1.7-1\", " \
                  "instance: {type: ml.m5.large, count: two}}\n"
    diag = next(d for d in load(tmp_path, text).diagnostics if d.code == "MLC102")
    assert diag.message == "`pipelines.train.steps[0].instance.count` must be a whole number, not `two`"


def test_a_hidden_value_is_named_by_its_key(tmp_path):
    text = HEAD + "pipelines:\n  train:\n    steps:\n      - {name: fit, type: training, image: \"xgboost:1.7-1\", " \
                  "instance: {type: ml.m5.large, count: \"Hunter2Secret99\"}}\n"
    diag = next(d for d in load(tmp_path, text).diagnostics if d.code == "MLC102")
    assert diag.message == "`pipelines.train.steps[0].instance.count` must be a whole number, not text"


def test_a_data_location_never_echoes_its_value(tmp_path):
    text = HEAD + "pipelines:\n  train:\n    steps:\n      - {name: fit, type: training, image: \"xgboost:1.7-1\", " \
                  "instance: ml.m5.large, inputs: {train: \"Hunter2Secret99/data\"}}\n"
    diag = next(d for d in load(tmp_path, text).diagnostics if d.code == "MLC219")
    assert "Hunter2Secret99" not in diag.message + (diag.hint or "")
    assert diag.message == "`train` must be an S3 URI or a reference"


def test_a_bare_global_location_gets_the_scheme_without_the_rest(tmp_path):
    text = HEAD + "pipelines:\n  train:\n    steps:\n      - {name: fit, type: training, image: \"xgboost:1.7-1\", " \
                  "instance: ml.m5.large, inputs: {train: \"${bucket}/Hunter2Secret99\"}}\n"
    diag = next(d for d in load(tmp_path, text).diagnostics if d.code == "MLC219")
    assert diag.hint == "write `s3://${bucket}…`"


def test_a_parameter_in_a_field_that_reads_none(tmp_path):
    text = HEAD + ("pipelines:\n  train:\n    parameters: {runtime: 2h}\n    steps:\n      - {name: fit, type: training, "
                   "image: \"xgboost:1.7-1\", instance: ml.m5.large, max_runtime: \"${params.runtime}\"}\n")
    diag = next(d for d in load(tmp_path, text).diagnostics if d.code == "MLC213")
    assert diag.message == "`pipelines.train.steps[0].max_runtime` cannot take a pipeline parameter (`${params.runtime}`)"
    assert diag.hint == parameter_places() and "environments/<env>.yaml" in diag.hint


def test_an_unknown_step_with_no_close_name_lists_the_earlier_steps(tmp_path):
    text = HEAD + ("pipelines:\n  train:\n    steps:\n"
                   "      - {name: prep, type: processing, image: \"sklearn:1.2-1\", instance: ml.m5.large, outputs: [a]}\n"
                   "      - {name: fit, type: training, image: \"xgboost:1.7-1\", instance: ml.m5.large, "
                   "inputs: {train: \"${steps.zzzz.outputs.a}\"}}\n")
    diag = next(d for d in load(tmp_path, text).diagnostics if d.code == "MLC210")
    assert diag.hint == "steps it can refer to: prep"


def test_a_missing_required_field_does_not_hide_the_other_steps(tmp_path):
    """A step without its image (MLC101) is stood in for: the next step's unknown reference is still reported,
    and nothing is said about the stand-in (no image or instance finding for step 0)."""
    text = HEAD + ("pipelines:\n  train:\n    steps:\n      - {name: fit, type: training, instance: ml.m5.large}\n"
                   "      - {name: keep, type: register, model: churn, image: \"xgboost:1.7-1\", "
                   "artifacts: \"${steps.fitt.model}\"}\n")
    codes = sorted(d.code for d in load(tmp_path, text).diagnostics)
    assert codes == ["MLC101", "MLC210"]


def test_a_complete_entry_an_overlay_adds_is_its_own(tmp_path):
    """`churn2` is close to `churn` but complete: an env may add an endpoint of its own (no MLC023)."""
    text = HEAD.replace("[dev]", "[dev, prod]") + "endpoints:\n  churn: {model: churn, version: 1, instance: ml.m5.large}\n"
    result = load(tmp_path, text, {"prod": "endpoints:\n  churn2: {model: churn, version: 2, "
                                           "instance: {type: ml.m5.large, count: 2}}\n"})
    assert "MLC023" not in {d.code for d in result.diagnostics}
