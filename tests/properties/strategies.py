"""Hypothesis strategies for VALID mlops.yaml projects (base spec + overlays + the code files).

`projects()` draws a `Project`: the base spec as a dict, one overlay dict per env that has one,
and the code files its steps reference. `Project.write(folder)` lays it out as `mlopsc` reads it.

Every rule of src/mlopsc/spec/models and src/mlopsc/spec/checks is respected by construction:
names from small fixed vocabularies (short enough for MLC106's length limits), references only
to earlier steps and declared parameters, reports named after an output, conditions branching
only to later steps (each step in one branch of one condition), endpoints with exactly one of
instance/serverless, autoscaling ranges holding the instance count, canary 1-50% / linear
10-50% with a bake time <= 1h and rollback alarms present, monitoring with a check and its
attributes, batch/endpoint models from the registry or bring-your-own, budgets with a channel
when they alert, no duplicate alerts or addresses, and one region for every env (MLC222: the
registry is regional, so overlays never change the region); pipelines that register run in the
registry env only (MLC224), and envs may sit in accounts of their own.

`DETERMINISTIC` holds the settings every property test of this folder shares.
"""

from __future__ import annotations

import pathlib
from dataclasses import dataclass, field

import yaml
from hypothesis import HealthCheck
from hypothesis import strategies as st

# Settings shared by the property tests of this folder (test_generated_specs.py, test_random_yaml.py):
# derandomized, so every run tries the same examples, with no example database and no deadline.
DETERMINISTIC = dict(derandomize=True, deadline=None, database=None, print_blob=False,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

REGIONS = ("eu-west-1", "us-east-1", "us-west-2", "ap-southeast-2", "eu-central-1")
ENV_NAMES = ("dev", "staging", "prod", "qa", "perf-1")
PROJECT_NAMES = ("churn", "fraud-ml", "pricing2", "ab", "x-y-z", "recsys-core-platform")
CHANNELS = ("oncall", "finance", "ml-team", "ops2")
EMAILS = ("oncall@example.com", "ops@example.org", "a.b+ml@example.net", "finance@corp.example.com")
MODEL_NAMES = ("churn-xgb", "fraud", "price-lgbm", "m1")
PIPELINE_NAMES = ("train", "retrain", "weekly-fit")
ENDPOINT_NAMES = ("churn", "scoring", "api-v2")
BATCH_NAMES = ("nightly-scores", "backfill")
BUDGET_NAMES = ("monthly", "ml-spend")
PROC_IMAGES = ("sklearn:1.2-1", "xgboost:1.7-1", "pytorch:2.1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/prep:1.0")
TRAIN_IMAGES = ("xgboost:1.7-1", "sklearn:1.2-1", "pytorch:2.1", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/train:2.3")
PROC_INSTANCES = ("ml.m5.xlarge", "ml.m5.large", "ml.c5.2xlarge", "ml.t3.medium")
TRAIN_INSTANCES = ("ml.m5.xlarge", "ml.m5.2xlarge", "ml.c5.xlarge", "ml.g4dn.xlarge")
ENDPOINT_INSTANCES = ("ml.m5.large", "ml.c5.large", "ml.t2.medium", "ml.g4dn.xlarge")
TRANSFORM_INSTANCES = ("ml.m5.xlarge", "ml.c5.xlarge", "ml.m5.large")
CHANNEL_NAMES = ("train", "validation", "test", "raw", "model", "extra", "features", "labels")
CODE_FILES = ("pipelines/prepare.py", "pipelines/evaluate.py", "src/train.py", "jobs/featurize.py")
SCHEDULES = ("cron(0 3 1 * ? *)", "cron(15 2 ? * MON *)", "rate(12 hours)", "rate(1 day)", "cron(0 */6 * * ? *)")
DURATIONS = ("30m", "90m", "2h", "1d", "3600s", "45m")
S3 = ("s3://acme-raw/churn/", "s3://acme-ml/data/2024/", "s3://bucket-x/prefix/")


@dataclass
class Project:
    spec: dict
    overlays: dict[str, dict] = field(default_factory=dict)
    code: tuple[str, ...] = ()

    @property
    def envs(self) -> list[str]:
        return list(self.spec["environments"])

    def write(self, folder: pathlib.Path) -> pathlib.Path:
        path = folder / "mlops.yaml"
        path.write_text(yaml.safe_dump(self.spec, sort_keys=False, default_flow_style=False))
        if self.overlays:
            (folder / "environments").mkdir()
            for env, overlay in self.overlays.items():
                (folder / "environments" / f"{env}.yaml").write_text(yaml.safe_dump(overlay, sort_keys=False))
        for code in self.code:
            target = folder / code
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(f"# {code}\nprint('stub')\n")
        return path


def _unique(values, min_size=0, max_size=3):
    return st.lists(st.sampled_from(values), min_size=min_size, max_size=max_size, unique=True)


def _maybe(strategy):
    return st.one_of(st.none(), strategy)


def _put(target: dict, key: str, value) -> None:
    if value is not None:
        target[key] = value


# --- pipelines --------------------------------------------------------------------------------

PARAMETERS = {
    "input_uri": st.just("s3://acme-raw/churn/"),
    "min_auc": st.sampled_from([{"type": "float", "default": 0.75}, 0.8, {"type": "float", "default": 1}]),
    "epochs": st.sampled_from([10, {"type": "integer", "default": 3}]),
    "mode": st.sampled_from(["full", {"type": "string", "default": "fast"}]),
    "strict": st.sampled_from([True, {"type": "boolean", "default": False}]),
}


@st.composite
def _instance(draw, types, spot=False):
    kind = draw(st.sampled_from(types))
    if draw(st.booleans()):
        return kind
    out = {"type": kind}
    _put(out, "count", draw(_maybe(st.integers(1, 4))))
    _put(out, "volume_gb", draw(_maybe(st.sampled_from([30, 50, 100]))))
    if spot:
        _put(out, "spot", draw(_maybe(st.booleans())))
    return out


class _Scope:
    """What earlier steps of one pipeline produce, for references."""

    def __init__(self, params: dict):
        self.params = params
        self.outputs: list[tuple[str, str]] = []  # (step, output)
        self.models: list[str] = []  # training steps
        self.reports: list[str] = []  # processing steps with a report

    def data_refs(self) -> list[str]:
        refs = [f"${{steps.{s}.outputs.{o}}}" for s, o in self.outputs] + [f"${{steps.{s}.model}}" for s in self.models]
        if "input_uri" in self.params:
            refs.append("${params.input_uri}")
        return refs


@st.composite
def _inputs(draw, scope: _Scope, max_size: int):
    names = draw(_unique(CHANNEL_NAMES, 0, max_size))
    choices = scope.data_refs() + list(S3) + ["s3://${bucket}/static/${env}/", "s3://acme-${project}/${region}/"]
    return {n: draw(st.sampled_from(choices)) for n in names}


@st.composite
def _processing(draw, name: str, scope: _Scope, code_files: set, wants_report: bool):
    step = {"name": name, "type": "processing", "image": draw(st.sampled_from(PROC_IMAGES)),
            "instance": draw(_instance(PROC_INSTANCES))}
    if draw(st.booleans()) or wants_report:
        code = draw(st.sampled_from(CODE_FILES))
        code_files.add(code)
        step["code"] = code
    args = draw(st.lists(st.sampled_from(["--window-days", "90", "--mode", "${params.mode}" if "mode" in scope.params
                                          else "fast", "${env}"]), max_size=4))
    if args:
        step["arguments"] = args
    inputs = draw(_inputs(scope, 4))
    if inputs:
        step["inputs"] = inputs
    outputs = draw(_unique(CHANNEL_NAMES, 1 if wants_report else 0, 3))
    if wants_report:
        outputs = outputs + ["evaluation"]
    if outputs:
        step["outputs"] = outputs
    if wants_report:
        step["report"] = draw(st.sampled_from(["evaluation/evaluation.json", "evaluation/metrics/report.json"]))
        scope.reports.append(name)
    if draw(st.booleans()):
        step["environment"] = {"LOG_LEVEL": draw(st.sampled_from(["info", "debug"])), "STAGE": "${env}"}
    _put(step, "max_runtime", draw(_maybe(st.sampled_from(DURATIONS))))
    _put(step, "description", draw(_maybe(st.just("Prepare the data"))))
    scope.outputs += [(name, o) for o in outputs]
    return step


@st.composite
def _training(draw, name: str, scope: _Scope, code_files: set):
    step = {"name": name, "type": "training", "image": draw(st.sampled_from(TRAIN_IMAGES)),
            "instance": draw(_instance(TRAIN_INSTANCES, spot=True))}
    if draw(st.booleans()):
        code = draw(st.sampled_from(CODE_FILES))
        code_files.add(code)
        step["code"] = code
    _put(step, "max_runtime", draw(_maybe(st.sampled_from(DURATIONS))))
    hyper = draw(st.dictionaries(st.sampled_from(["objective", "num_round", "max_depth", "eta", "epochs"]),
                                 st.sampled_from(["binary:logistic", 200, 5, 0.3, "${params.epochs}" if "epochs" in scope.params
                                                  else 3]), max_size=4))
    if hyper:
        step["hyperparameters"] = hyper
    inputs = draw(_inputs(scope, 3))
    if inputs:
        step["inputs"] = inputs
    if draw(st.booleans()):
        step["environment"] = {"OMP_NUM_THREADS": "4"}
    _put(step, "content_type", draw(_maybe(st.sampled_from(["text/csv", "application/x-parquet"]))))
    scope.models.append(name)
    return step


@st.composite
def _pipeline(draw, models: list[str], code_files: set):
    pipeline: dict = {}
    params = {k: draw(v) for k, v in PARAMETERS.items() if draw(st.booleans())}
    if params:
        pipeline["parameters"] = params
    _put(pipeline, "schedule", draw(_maybe(st.sampled_from(SCHEDULES))))
    _put(pipeline, "description", draw(_maybe(st.just("Train and register"))))
    scope = _Scope(params)
    steps: list[dict] = []
    count = 0

    def fresh(prefix: str) -> str:
        nonlocal count
        count += 1
        return f"{prefix}{'' if count == 1 else '_' + str(count)}" if draw(st.booleans()) else f"{prefix}-{count}"

    # a prefix of data steps
    for _ in range(draw(st.integers(1, 3))):
        if scope.outputs and draw(st.booleans()):
            steps.append(draw(_training(fresh("train"), scope, code_files)))
        else:
            steps.append(draw(_processing(fresh("prepare"), scope, code_files, wants_report=False)))
    if scope.models and draw(st.booleans()):
        # evaluate -> gate -> register / fail
        evaluate = fresh("evaluate")
        steps.append(draw(_processing(evaluate, scope, code_files, wants_report=True)))
        lhs = draw(st.sampled_from([f"${{steps.{evaluate}.report.metrics.auc.value}}",
                                    f"${{steps.{evaluate}.report.metrics.rmse}}"]))
        rhs = draw(st.sampled_from(["${params.min_auc}" if "min_auc" in params else "0.7", "0.5", "10"]))
        op = draw(st.sampled_from([">=", ">", "<", "<=", "==", "!="]))
        conditions = [f"{lhs} {op} {rhs}"]
        if "epochs" in params and draw(st.booleans()):
            conditions.append("${params.epochs} > 1")
        gate = fresh("gate")
        gate_step = {"name": gate, "type": "condition", "conditions": conditions}
        steps.append(gate_step)
        after: list[dict] = []
        if models and draw(st.booleans()):
            register = {"name": fresh("register"), "type": "register", "model": draw(st.sampled_from(models)),
                        "artifacts": f"${{steps.{draw(st.sampled_from(scope.models))}.model}}",
                        "image": draw(st.sampled_from(TRAIN_IMAGES))}
            _put(register, "approval", draw(_maybe(st.sampled_from(["PendingManualApproval", "Approved"]))))
            if draw(st.booleans()):
                register["inference_instances"] = draw(_unique(ENDPOINT_INSTANCES, 1, 2))
                register["transform_instances"] = draw(_unique(TRANSFORM_INSTANCES, 1, 2))
            if draw(st.booleans()):
                register["content_types"] = ["text/csv", "application/json"]
                register["response_types"] = ["application/json"]
            after.append(register)
        if draw(st.booleans()) or not after:
            after.append({"name": fresh("stop"), "type": "fail",
                          "message": draw(st.sampled_from(["AUC below threshold", "", "Metric ${env} too low"]))})
        true_branch = [s["name"] for s in after if s["type"] != "fail"]
        false_branch = [s["name"] for s in after if s["type"] == "fail"]
        if draw(st.booleans()):
            true_branch, false_branch = false_branch, true_branch
        if true_branch:
            gate_step["if_true"] = true_branch
        if false_branch:
            gate_step["if_false"] = false_branch
        steps += after
    elif models and scope.models and draw(st.booleans()):
        steps.append({"name": fresh("register"), "type": "register", "model": draw(st.sampled_from(models)),
                      "artifacts": f"${{steps.{scope.models[-1]}.model}}", "image": draw(st.sampled_from(TRAIN_IMAGES))})
    pipeline["steps"] = steps
    return pipeline


# --- serving ----------------------------------------------------------------------------------

@st.composite
def _model_source(draw, models: list[str]):
    if models and draw(st.booleans()):
        return {"model": draw(st.sampled_from(models)), "version": draw(st.integers(1, 50))}
    return {"image": draw(st.sampled_from(TRAIN_IMAGES)), "model_data": "s3://acme-ml/models/model.tar.gz"}


@st.composite
def _endpoint(draw, models: list[str], channels: list[str]):
    ep = draw(_model_source(models))
    if draw(st.integers(0, 3)) == 0:
        ep["serverless"] = {k: v for k, v in (("memory_mb", draw(_maybe(st.sampled_from([1024, 2048, 6144])))),
                                              ("max_concurrency", draw(_maybe(st.integers(1, 20))))) if v is not None}
        alarms = draw(_maybe(_alarms(channels)))
        _put(ep, "alarms", alarms)
        return ep
    count = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(ENDPOINT_INSTANCES))
    ep["instance"] = {"type": kind, "count": count} if count > 1 or draw(st.booleans()) else kind
    if draw(st.booleans()):
        low = draw(st.integers(1, count))
        ep["autoscaling"] = {"min": low, "max": draw(st.integers(count, count + 5)),
                             "invocations_per_instance": draw(st.sampled_from([50, 200, 1000]))}
    _put(ep, "data_capture", draw(_maybe(st.sampled_from([20, "5%", 100, 1]))))
    alarms = draw(_maybe(_alarms(channels)))
    _put(ep, "alarms", alarms)
    strategy = draw(st.sampled_from(["default", "all_at_once", "canary", "linear"]))
    if strategy != "default":
        dep: dict = {"strategy": strategy}
        if strategy in ("canary", "linear"):
            low = 1 if strategy == "canary" else 10
            dep["traffic_percent"] = draw(st.sampled_from([f"{low}%", 25, "50%"]))
            _put(dep, "wait", draw(_maybe(st.sampled_from(["10m", "1h", "30s", "5m"]))))
            rollback = []
            if alarms and "error_rate" in alarms and draw(st.booleans()):
                rollback.append("errors")
            if alarms and "latency_p99" in alarms and draw(st.booleans()):
                rollback.append("latency")
            if rollback:
                dep["rollback_on"] = rollback
        ep["deployment"] = dep
    if draw(st.booleans()):
        ep["monitoring"] = draw(_monitoring(channels))
    if draw(st.booleans()):
        ep["environment"] = {"SAGEMAKER_PROGRAM": "inference.py", "MODEL_ENV": "${env}"}
    return ep


@st.composite
def _alarms(draw, channels: list[str]):
    alarms: dict = {}
    _put(alarms, "latency_p99", draw(_maybe(st.sampled_from(["300ms", "1s", "2.5s"]))))
    _put(alarms, "error_rate", draw(_maybe(st.sampled_from(["1%", 5, "0.5%"]))))
    if not alarms:
        alarms["error_rate"] = "1%"
    if channels and draw(st.booleans()):
        alarms["notify"] = draw(st.sampled_from(channels))
    return alarms


@st.composite
def _monitoring(draw, channels: list[str]):
    mon: dict = {}
    _put(mon, "engine", draw(_maybe(st.sampled_from(["drift-job", "model-monitor"]))))
    _put(mon, "schedule", draw(_maybe(st.sampled_from(["hourly", "daily", "cron(0 */6 ? * * *)", "cron(0 4 ? * * *)"]))))
    if channels and draw(st.booleans()):
        mon["notify"] = draw(st.sampled_from(channels))
    if channels and draw(st.booleans()):
        mon["on_drift"] = {"notify": draw(st.sampled_from(channels))}
    kinds = draw(st.sampled_from(["data", "model", "both"]))
    if kinds in ("data", "both"):
        mon["data_quality"] = {"baseline": "s3://acme-ml/baselines/churn/"}
    if kinds in ("model", "both"):
        problem = draw(st.sampled_from(["BinaryClassification", "MulticlassClassification", "Regression"]))
        quality = {"problem_type": problem, "ground_truth": "s3://acme-ml/labels/churn/",
                   "inference_attribute": "prediction"}
        if problem == "BinaryClassification":
            if draw(st.booleans()):
                quality["probability_attribute"] = "probability"
                if draw(st.booleans()):
                    del quality["inference_attribute"]
                _put(quality, "probability_threshold", draw(_maybe(st.sampled_from([0.5, 0.8]))))
        mon["model_quality"] = quality
    _put(mon, "max_runtime", draw(_maybe(st.sampled_from(["30m", "1h", "20m"]))))
    _put(mon, "instance", draw(_maybe(st.sampled_from(PROC_INSTANCES))))
    return mon


@st.composite
def _batch(draw, models: list[str]):
    job = draw(_model_source(models))
    job.update(input="s3://acme-raw/customers/", output=draw(st.sampled_from(["s3://acme-ml/scores/", "s3://${bucket}/scores/${env}/"])))
    count = draw(st.integers(1, 3))
    kind = draw(st.sampled_from(TRANSFORM_INSTANCES))
    job["instance"] = kind if count == 1 and draw(st.booleans()) else {"type": kind, "count": count}
    _put(job, "schedule", draw(_maybe(st.sampled_from(SCHEDULES))))
    _put(job, "split", draw(_maybe(st.sampled_from(["line", "none"]))))
    _put(job, "content_type", draw(_maybe(st.sampled_from(["text/csv", "application/jsonlines"]))))
    return job


@st.composite
def _budget(draw, channels: list[str]):
    budget: dict = {"amount": draw(st.sampled_from([500, 12.5, 10000]))}
    _put(budget, "period", draw(_maybe(st.sampled_from(["monthly", "quarterly", "annually"]))))
    if channels and draw(st.booleans()):
        budget["notify"] = draw(st.sampled_from(channels))
        alerts = draw(st.lists(st.tuples(st.sampled_from(["50%", "80%", "100%", 120]),
                                         st.sampled_from(["forecasted", "actual"])),
                               max_size=3, unique_by=lambda a: (str(a[0]).rstrip("%"), a[1])))
        if alerts:
            budget["alerts"] = [{"at": at, "type": kind} for at, kind in alerts]
    return budget


@st.composite
def _security(draw):
    sec: dict = {}
    _put(sec, "encryption", draw(_maybe(st.sampled_from(
        ["managed", "aws", "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]))))
    _put(sec, "role", draw(_maybe(st.sampled_from(["generated", "arn:aws:iam::123456789012:role/ml-exec"]))))
    if draw(st.booleans()):
        sec["network"] = {"subnets": draw(_unique(("subnet-0a41c7e93f25d6b18", "subnet-0d7f2b58c1e9a4036"), 1, 2)),
                          "security_groups": ["sg-0b93e1f57a2c4d680"]}
    _put(sec, "network_isolation", draw(_maybe(st.booleans())))
    return sec


# --- overlays ---------------------------------------------------------------------------------

@st.composite
def _overlay(draw, spec: dict):
    """Partial spec for one env: instance counts, served versions, budget amounts, tags."""
    overlay: dict = {}
    endpoints = {}
    for name, ep in spec.get("endpoints", {}).items():
        change: dict = {}
        if "version" in ep and draw(st.booleans()):
            change["version"] = draw(st.integers(1, 60))
        if "instance" in ep and "autoscaling" not in ep and draw(st.booleans()):
            kind = ep["instance"] if isinstance(ep["instance"], str) else ep["instance"]["type"]
            change["instance"] = {"type": kind, "count": draw(st.integers(1, 3))}
        if "alarms" in ep and "deployment" not in ep and draw(st.booleans()):
            change["alarms"] = None  # null removes a key (nothing rolls back on them)
        if change:
            endpoints[name] = change
    if endpoints:
        overlay["endpoints"] = endpoints
    jobs = {name: {"version": draw(st.integers(1, 60))} for name, job in spec.get("batch", {}).items()
            if "version" in job and draw(st.booleans())}
    if jobs:
        overlay["batch"] = jobs
    budgets = {name: {"amount": draw(st.sampled_from([100, 2500]))} for name in spec.get("budgets", {}) if draw(st.booleans())}
    if budgets:
        overlay["budgets"] = budgets
    if draw(st.booleans()):
        overlay["project"] = {"tags": {"tier": draw(st.sampled_from(["gold", "bronze"]))}}
    for pname, pipeline in spec.get("pipelines", {}).items():
        if "schedule" in pipeline and draw(st.booleans()):
            overlay.setdefault("pipelines", {})[pname] = {"schedule": None}
    return overlay


# --- the whole project ------------------------------------------------------------------------

@st.composite
def projects(draw) -> Project:
    spec: dict = {"version": 1}
    project = {"name": draw(st.sampled_from(PROJECT_NAMES)), "region": draw(st.sampled_from(REGIONS))}
    if draw(st.booleans()):
        project["account"] = "123456789012"
    if draw(st.booleans()):
        project["tags"] = {"team": "growth", "cost-center": "ml 42"}
    spec["project"] = project
    envs = draw(_unique(ENV_NAMES, 1, 3))
    spec["environments"] = envs
    channels = draw(_unique(CHANNELS, 0, 3))
    if channels:
        spec["notify"] = {c: draw(_unique(EMAILS, 1, 2)) for c in channels}
    security = draw(_security())
    if security:
        spec["security"] = security
    models = draw(_unique(MODEL_NAMES, 0, 3))
    if models:
        spec["models"] = {m: (None if draw(st.booleans()) else {"description": f"The {m} model"}) for m in models}
    code_files: set[str] = set()
    pipelines = {name: draw(_pipeline(models, code_files)) for name in draw(_unique(PIPELINE_NAMES, 0, 3))}
    if pipelines:
        spec["pipelines"] = pipelines
    endpoints = {name: draw(_endpoint(models, channels)) for name in draw(_unique(ENDPOINT_NAMES, 0, 3))}
    if endpoints:
        spec["endpoints"] = endpoints
    batch = {name: draw(_batch(models)) for name in draw(_unique(BATCH_NAMES, 0, 2))}
    if batch:
        spec["batch"] = batch
    budgets = {name: draw(_budget(channels)) for name in draw(_unique(BUDGET_NAMES, 0, 2))}
    if budgets:
        spec["budgets"] = budgets
    overlays = {env: draw(_overlay(spec)) for env in envs if draw(st.booleans())}
    _registry_home(draw, spec, overlays)
    return Project(spec, {env: o for env, o in overlays.items() if o}, tuple(sorted(code_files)))


ACCOUNTS = ("210987654321", "321098765432")


def _registry_home(draw, spec: dict, overlays: dict[str, dict]) -> None:
    """Only the registry env registers (MLC224): the other envs remove the pipelines with register steps,
    as a project's overlays do. Some projects put envs in accounts of their own (the registry grants them)."""
    envs = spec["environments"]
    home = draw(st.sampled_from(envs))
    if home != envs[0] or draw(st.booleans()):
        spec["registry"] = {"env": home}
    registering = [name for name, p in spec.get("pipelines", {}).items() if any(s["type"] == "register" for s in p["steps"])]
    for env in envs:
        if env != home and registering:
            pipelines = overlays.setdefault(env, {}).setdefault("pipelines", {})
            pipelines.update({name: None for name in registering})
    if "account" in spec["project"] and len(envs) > 1 and draw(st.booleans()):
        for env in envs[1:]:
            overlays.setdefault(env, {}).setdefault("project", {})["account"] = draw(st.sampled_from(ACCOUNTS))
