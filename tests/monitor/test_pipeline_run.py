"""The compiled drift pipeline of clinic-noshow, run end to end: compile, the Lambda function and the job agree.

Each test compiles the example (prod serves a version registered in dev, the registry env, in the same
account), builds in moto what the stacks and the registry would hold (buckets, keys, the uploaded drift
job, the model packages with their DriftCheckBaselines), writes captures where SageMaker writes them and
runs the compiled definition with pipeline_sim: the real drift_lambda.handler for the Lambda steps, the
shipped drift_job.py in an isolated subprocess for the Processing steps. Data: the clinic's features
(pipelines/prepare.py's FEATURES, in order), generated with fixed seeds.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import pathlib
import shutil

import boto3
import numpy as np
import pytest
from aws_inprocess import in_process_aws

from mlopsc import api
from mlopsc.monitor import drift_job, drift_lambda

from pipeline_sim import PipelineRun, SimulationError, StepFailed, split_uri

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "clinic-noshow"
REGION = "eu-west-1"  # the example's region
ACCOUNT = "123456789012"  # moto's
TOKEN = "${aws:accountId}"
NAMESPACE = "mlopsc/Monitoring"
NOW = "2026-03-10T14:07:00Z"  # the run's clock: prod's hourly window is [13:00, 14:00)
WINDOW = ("2026-03-10T13:00:00Z", "2026-03-10T14:00:00Z")
IN_WINDOW, BEFORE, AFTER = "2026/03/10/13", "2026/03/10/12", "2026/03/10/14"


def prepare_features() -> list[str]:
    """FEATURES of the example's prepare.py, read without importing it (it needs pandas)."""
    tree = ast.parse((EXAMPLE / "pipelines" / "prepare.py").read_text())
    return next(ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)
                and any(getattr(t, "id", None) == "FEATURES" for t in node.targets))


FEATURES = prepare_features()
SPECIALTIES = [f for f in FEATURES if f.startswith("specialty_")]


def clinic_features(seed: int, n: int, lead_time_scale: float = 1.0, sms_rate: float = 0.7) -> np.ndarray:
    """n appointments' features, in FEATURES order, as prepare.py computes them (all float64)."""
    rng = np.random.default_rng(seed)
    first = rng.random(n) < 0.15
    prior = np.where(first, 0, rng.poisson(4, n))
    columns = {
        "lead_time_days": np.clip(rng.gamma(1.5, 6.0, n) * lead_time_scale, 0, 180),
        "appointment_hour": rng.integers(8, 19, n), "appointment_weekday": rng.integers(0, 6, n),
        "patient_age": np.clip(np.round(rng.normal(45, 20, n)), 0, 105), "is_first_visit": first,
        "prior_appointments": prior, "prior_no_show_rate": (rng.binomial(prior, 0.2) + 1.0) / (prior + 5.0),
        "days_since_last_visit": np.where(first, -1, np.round(rng.exponential(60, n))),
        "sms_reminder_sent": rng.random(n) < sms_rate, "distance_km": np.clip(rng.lognormal(1.5, 0.8, n), 0, 200),
        "clinic_urban": rng.random(n) < 0.6}
    specialty = rng.choice(len(SPECIALTIES), n, p=[0.45, 0.15, 0.15, 0.15, 0.10])
    columns.update({name: specialty == i for i, name in enumerate(SPECIALTIES)})
    return np.column_stack([np.asarray(columns[f], dtype=np.float64) for f in FEATURES])


def baseline_csv(rows: np.ndarray) -> str:
    """prepare.py's baseline.csv: the features with a header, no label, float64 as pandas writes it."""
    return "\n".join([",".join(FEATURES)] + [",".join(repr(float(v)) for v in row) for row in rows]) + "\n"


# -- the compiled project ---------------------------------------------------------------------------------

def compile_env(mlops_yaml: pathlib.Path, env: str):
    result = api.load(str(mlops_yaml), [env])
    assert result.ok, result.diagnostics
    return api.compile_project(result.specs[env])


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLOPSC_CACHE_DIR", str(tmp_path_factory.mktemp("mlopsc-cache")))
        yield


@pytest.fixture(scope="module")
def prod(cache_dir):
    return compile_env(EXAMPLE / "mlops.yaml", "prod")


@pytest.fixture(scope="module")
def dev(cache_dir):
    return compile_env(EXAMPLE / "mlops.yaml", "dev")


@pytest.fixture(scope="module")
def profiles(tmp_path_factory) -> dict[str, pathlib.Path]:
    """Drift baselines, by drift_job.py's profile mode on generated training sets: `autumn` (the clinic as
    it was), `campaign` (trained after an SMS reminder campaign made reminders near-universal)."""
    folders = {}
    for name, rows in {"autumn": clinic_features(1, 4000), "campaign": clinic_features(2, 4000, sms_rate=0.97)}.items():
        folder = tmp_path_factory.mktemp(name)
        (folder / "dataset").mkdir()
        (folder / "dataset" / "baseline.csv").write_text(baseline_csv(rows))
        assert drift_job.main(["profile", "--dataset", str(folder / "dataset"), "--output", str(folder / "out")]) == 0
        folders[name] = folder / "out"
    return folders


def resource(compiled, address: str) -> dict:
    return next(r for r in compiled.manifest["resources"] if r["address"] == address)


def concrete(value, refs: dict):
    """Manifest inputs as the stack would apply them: refs replaced, the account filled in."""
    if isinstance(value, dict):
        if "$ref" in value:
            return refs[(value["$ref"], value["attr"])]
        return {k: concrete(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [concrete(v, refs) for v in value]
    return value.replace(TOKEN, ACCOUNT) if isinstance(value, str) else value


def find_step(steps: list[dict], name: str) -> dict:
    """A step of a definition, in a condition's branches too."""
    for step in steps:
        if step["Name"] == name:
            return step
        if step["Type"] == "Condition" and (found := find_step(step["Arguments"]["IfSteps"]
                                                                + step["Arguments"]["ElseSteps"], name)):
            return found
    return {}


# -- AWS, in moto -----------------------------------------------------------------------------------------

@pytest.fixture
def aws(monkeypatch):
    with in_process_aws(monkeypatch, REGION):
        yield


class Clinic:
    """What prod's stack and the registry env hold, in moto, for one compiled prod env."""

    def __init__(self, compiled, tmp_path: pathlib.Path):
        self.compiled, self.tmp_path = compiled, tmp_path
        self.s3, self.sagemaker = boto3.client("s3"), boto3.client("sagemaker")
        registry = compiled.env_spec.resolved.registry
        self.store = registry.store.replace(TOKEN, ACCOUNT)
        self.baselines = registry.baselines_prefix.replace(TOKEN, ACCOUNT)  # where dev's profile steps write
        self.keys = {"kms.key": self.key(resource(compiled, "kms.alias")["inputs"]["name"]),
                     "registry-store.key": self.key(registry.key_alias)}
        self.bucket = concrete(resource(compiled, "bucket.artifacts")["inputs"]["bucket"], {})
        for bucket in (self.bucket, self.store):
            self.s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        topic = boto3.client("sns").create_topic(Name=resource(compiled, "sns.ml-oncall")["inputs"]["name"])
        self.refs = {(address, "arn"): arn for address, arn in self.keys.items()}
        self.refs |= {("sns.ml-oncall", "arn"): topic["TopicArn"], ("bucket.artifacts", "bucket"): self.bucket}
        self.upload_code(compiled)
        self.group = registry.groups["noshow-xgb"]
        self.sagemaker.create_model_package_group(ModelPackageGroupName=self.group)
        self.endpoint = resource(compiled, "endpoint.noshow")["inputs"]["name"]
        self.window = compiled.definitions["drift-noshow"]["Steps"][0]
        # The Lambda steps call the function compile deploys: drift_lambda.handler, from the shipped file.
        function = resource(compiled, "function.drift")["inputs"]
        shipped = function["code"]["$archive"]["drift_lambda.py"]["$asset"]
        assert (function["handler"], compiled.assets[shipped]) == ("drift_lambda.handler", drift_lambda.__file__)
        self.function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function['name']}"

    @staticmethod
    def key(alias: str) -> str:
        kms = boto3.client("kms")
        arn = kms.create_key(Description=alias)["KeyMetadata"]["Arn"]
        kms.create_alias(AliasName=alias, TargetKeyId=arn)
        return arn

    def upload_code(self, compiled, key_arn: str | None = None) -> None:
        """The code objects compiled's stack uploads (the drift job) to its bucket, from compile's assets."""
        bucket = concrete(resource(compiled, "bucket.artifacts")["inputs"]["bucket"], {})
        refs = {("bucket.artifacts", "bucket"): bucket, ("kms.key", "arn"): key_arn or self.keys["kms.key"]}
        for res in compiled.manifest["resources"]:
            if res["address"].startswith("object.code."):
                inputs = concrete(res["inputs"], refs)
                self.s3.put_object(Bucket=inputs["bucket"], Key=inputs["key"],
                                   Body=pathlib.Path(compiled.assets[inputs["source"]["$asset"]]).read_bytes(),
                                   ServerSideEncryption="aws:kms", SSEKMSKeyId=inputs["kms_key_id"])

    # the registry
    def put_baseline(self, folder: pathlib.Path, execution: str) -> dict:
        """A profile in the registry store where dev's `profile` step writes one; its DriftCheckBaselines."""
        prefix = f"{self.baselines}retrain/{execution}/profile"
        bucket, key = split_uri(prefix)
        files = {}
        for name in ("statistics.json", "constraints.json"):
            self.s3.put_object(Bucket=bucket, Key=f"{key}/{name}", Body=(folder / name).read_bytes(),
                               ServerSideEncryption="aws:kms", SSEKMSKeyId=self.keys["registry-store.key"])
            files[name.split(".")[0].capitalize()] = {"ContentType": "application/json", "S3Uri": f"{prefix}/{name}"}
        return {"ModelDataQuality": files}

    def register(self, baselines: dict[int, dict | None]) -> dict[int, str]:
        """Versions 1.. max(baselines) of the group (moto numbers them from 1), each with its DriftCheckBaselines."""
        arns = {}
        for version in range(1, max(baselines) + 1):
            extra = {"DriftCheckBaselines": baselines[version]} if baselines.get(version) else {}
            arns[version] = self.sagemaker.create_model_package(
                ModelPackageGroupName=self.group, ModelApprovalStatus="Approved", **extra)["ModelPackageArn"]
        return arns

    def served_arn(self, compiled) -> str:
        return concrete(compiled.definitions["drift-noshow"]["Steps"][0]["Arguments"]["package_arn"], {})

    # the endpoint
    def capture_folder(self) -> str:
        """Where SageMaker writes the endpoint's captures: <destination>/<endpoint name>/<variant>/."""
        config = concrete(resource(self.compiled, "endpoint-config.noshow")["inputs"], self.refs)
        variant = config["production_variants"][0]["variant_name"]
        folder = f"{config['data_capture_config']['destination_s3_uri'].rstrip('/')}/{self.endpoint}/"
        assert folder == concrete(self.window["Arguments"]["capture_prefix"], {})  # the window lists there
        return f"{folder}{variant}/"

    def put_captures(self, hour: str, rows: np.ndarray, seed: int, files: int = 3, batch: int = 20) -> int:
        """The rows as CSV requests of `batch` rows (no header, FEATURES order) with their predictions, in
        SageMaker's capture format, one JSON line per request, spread over `files` files of the hour."""
        config = resource(self.compiled, "endpoint-config.noshow")["inputs"]["data_capture_config"]
        rng = np.random.default_rng(seed)
        bucket, folder = split_uri(self.capture_folder())
        requests = [rows[i:i + batch] for i in range(0, len(rows), batch)]
        day, clock = hour.rsplit("/", 1)
        for part in np.array_split(np.arange(len(requests)), files):
            lines, first = [], None
            for i in part:
                minute, second = divmod(int(i) * 3600 // len(requests), 60)
                first = first or f"{minute:02d}-{second:02d}-{rng.integers(1000):03d}"
                lines.append(json.dumps({"captureData": {
                    "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "encoding": "CSV",
                                      "data": "\n".join(",".join(f"{v:g}" for v in row) for row in requests[i])},
                    "endpointOutput": {"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT",
                                       "encoding": "CSV",
                                       "data": "\n".join(f"{p:.4f}" for p in rng.random(len(requests[i])))}},
                    "eventMetadata": {"eventId": f"{rng.integers(1 << 62):016x}-{i:04d}",
                                      "inferenceTime": f"{day.replace('/', '-')}T{clock}:{minute:02d}:{second:02d}Z"},
                    "eventVersion": "0"}))
            # SageMaker's file names: <minute>-<second>-<millisecond>-<uuid>.jsonl of the file's first record
            self.s3.put_object(Bucket=bucket, Key=f"{folder}{hour}/{first}-{rng.integers(1 << 62):016x}.jsonl",
                               Body=("\n".join(lines) + "\n").encode(), ServerSideEncryption="aws:kms",
                               SSEKMSKeyId=concrete(config["kms_key_id"], {}))
        return len(rows)

    # the pipeline
    def run(self, compiled=None, execution_id: str = "x7k2m9q4w1z8") -> PipelineRun:
        """The compiled drift pipeline, executed, its window's clock at NOW (the handler's optional `now`)."""
        compiled = compiled or self.compiled
        return PipelineRun(compiled.definitions["drift-noshow"], self.tmp_path / "jobs", {self.function_arn:
                           drift_lambda.handler}, ACCOUNT, execution_id, refs=self.sim_refs(),
                           event_extras={"window": {"now": NOW}}).run()

    def sim_refs(self) -> dict[str, str]:
        return {f"{address}:{attr}": value for (address, attr), value in self.refs.items()}

    def report(self, run: PipelineRun) -> dict:
        [uri] = [u for u in run.processing["drift"].uploaded["report"] if u.endswith("/report.json")]
        bucket, key = split_uri(uri)
        return json.loads(self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())

    def listed_metrics(self) -> list[tuple[str, tuple]]:
        pages = boto3.client("cloudwatch").get_paginator("list_metrics").paginate(
            Namespace=NAMESPACE, Dimensions=[{"Name": "EndpointName", "Value": self.endpoint}])
        return sorted((m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"])))
                      for page in pages for m in page["Metrics"])

    def datapoints(self, metric: str, stat: str = "Maximum", period: int = 3600, **dimensions) -> list[tuple]:
        """(timestamp, value) of the metric of this endpoint, from the window's start to well after the run."""
        dims = [{"Name": k, "Value": v} for k, v in {"EndpointName": self.endpoint, **dimensions}.items()]
        start = dt.datetime.fromisoformat(WINDOW[0])
        end = max(dt.datetime.now(dt.UTC), start) + dt.timedelta(hours=2)
        [result] = boto3.client("cloudwatch").get_metric_data(
            MetricDataQueries=[{"Id": "m", "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": metric,
                                                                     "Dimensions": dims},
                                                          "Period": period, "Stat": stat}}],
            StartTime=start - dt.timedelta(hours=1), EndTime=end)["MetricDataResults"]
        return list(zip(result["Timestamps"], result["Values"], strict=True))

    def create_drift_alarm(self) -> dict:
        """alarm.noshow.drift as the stack creates it (manifest inputs in PutMetricAlarm's names)."""
        inputs = concrete(resource(self.compiled, "alarm.noshow.drift")["inputs"], self.refs)
        assert set(inputs) <= set(ALARM_API), set(inputs) - set(ALARM_API)
        request = {ALARM_API[k]: v for k, v in inputs.items()}
        request["Dimensions"] = [{"Name": k, "Value": v} for k, v in request["Dimensions"].items()]
        request["Tags"] = [{"Key": k, "Value": v} for k, v in request["Tags"].items()]
        cloudwatch = boto3.client("cloudwatch")
        cloudwatch.put_metric_alarm(**request)
        return cloudwatch.describe_alarms(AlarmNames=[request["AlarmName"]])["MetricAlarms"][0]

    def alarm_would_fire(self, alarm: dict) -> bool:
        """The alarm's own rule on its metric's newest period (moto stores alarms but never evaluates them:
        put_metric_data leaves their state as it was, so the rule is applied here, as CloudWatch would)."""
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (1, 1)
        assert alarm["Namespace"] == NAMESPACE and alarm["Dimensions"] == [{"Name": "EndpointName",
                                                                           "Value": self.endpoint}]
        points = self.datapoints(alarm["MetricName"], alarm["Statistic"], alarm["Period"])
        assert points, "no datapoint for the alarm"
        compare = {"GreaterThanOrEqualToThreshold": float.__ge__, "GreaterThanThreshold": float.__gt__,
                   "LessThanThreshold": float.__lt__, "LessThanOrEqualToThreshold": float.__le__}
        newest = max(points)[1]
        return compare[alarm["ComparisonOperator"]](float(newest), float(alarm["Threshold"]))


ALARM_API = {"name": "AlarmName", "alarm_description": "AlarmDescription", "namespace": "Namespace",
             "metric_name": "MetricName", "dimensions": "Dimensions", "statistic": "Statistic", "period": "Period",
             "evaluation_periods": "EvaluationPeriods", "datapoints_to_alarm": "DatapointsToAlarm",
             "threshold": "Threshold", "comparison_operator": "ComparisonOperator",
             "treat_missing_data": "TreatMissingData", "alarm_actions": "AlarmActions", "ok_actions": "OKActions",
             "tags": "Tags"}


@pytest.fixture
def clinic(aws, prod, profiles, tmp_path) -> Clinic:
    """prod's AWS with the served version (prod pins 5) registered with the autumn baseline."""
    world = Clinic(prod, tmp_path)
    served = prod.env_spec.spec.endpoints["noshow"].version
    arns = world.register({served: world.put_baseline(profiles["autumn"], "a1b2c3d4e5f6")})
    assert arns[served] == world.served_arn(prod)
    return world


# -- the drift pipeline -----------------------------------------------------------------------------------

def test_an_unshifted_window_publishes_no_drift(clinic):
    records = clinic.put_captures(IN_WINDOW, clinic_features(11, 600), seed=11)
    clinic.put_captures(BEFORE, clinic_features(12, 200, lead_time_scale=24), seed=12)  # outside: drifted, unread
    clinic.put_captures(AFTER, clinic_features(13, 200, lead_time_scale=24), seed=13, files=1)

    run = clinic.run()

    assert run.executed == ["window", "has-captures", "drift", "publish"] and run.conditions == {"has-captures": True}
    window = run.lambda_outputs["window"]
    assert (window["capture_files"], window["window_start"], window["window_end"]) == (3, *WINDOW)
    assert window["statistics_uri"].startswith(f"s3://{clinic.store}/baselines/retrain/a1b2c3d4e5f6/profile/")
    job = run.processing["drift"]
    assert len(job.downloaded["captures"]) == 3 and all(f.startswith("primary/2026/03/10/13/")
                                                        for f in job.downloaded["captures"])
    assert (job.downloaded["statistics"], job.downloaded["constraints"]) == (["statistics.json"], ["constraints.json"])
    assert job.downloaded["code"] == ["drift_job.py"]
    assert run.lambda_outputs["publish"] == {"drift": False, "drifted_features": 0, "records": records}
    report_folder = f"s3://{clinic.bucket}/monitoring/noshow/reports/{run.execution_id}"
    assert job.uploaded["report"] == [f"{report_folder}/constraint_violations.json", f"{report_folder}/report.json"]
    report = clinic.report(run)
    assert (report["endpoint"], report["records"], report["malformed_records"], report["baseline_records"]) == (
        clinic.endpoint, 600, 0, 4000)
    assert [f["name"] for f in report["features"]] == FEATURES and report["drift"] is False
    head = clinic.s3.head_object(Bucket=clinic.bucket, Key=split_uri(f"{report_folder}/report.json")[1])
    assert head["SSEKMSKeyId"] == f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/clinic-noshow-prod"  # the job's KmsKeyId
    endpoint = ("EndpointName", clinic.endpoint)
    assert clinic.listed_metrics() == sorted([("DriftedFeatures", (endpoint,)), ("Records", (endpoint,))] + [
        ("FeatureDrift", (endpoint, ("Feature", f))) for f in FEATURES])
    assert [v for _, v in clinic.datapoints("DriftedFeatures")] == [0]
    assert [v for _, v in clinic.datapoints("Records")] == [600]
    assert not clinic.alarm_would_fire(clinic.create_drift_alarm())


def test_a_strongly_shifted_feature_drifts_alone_and_fires_the_compiled_alarm(clinic):
    """The upstream export sends lead times in hours: lead_time_days is 24 times larger (capped at 180)."""
    clinic.put_captures(IN_WINDOW, clinic_features(21, 600, lead_time_scale=24), seed=21)

    run = clinic.run()

    assert run.lambda_outputs["publish"] == {"drift": True, "drifted_features": 1, "records": 600}
    report = clinic.report(run)
    assert report["drifted_features"] == ["lead_time_days"]
    assert [v["constraint_check_type"] for v in report["violations"]] == ["baseline_drift_check"]
    [(_, distance)] = clinic.datapoints("FeatureDrift", Feature="lead_time_days")
    assert distance > 0.1 and distance == report["features"][0]["distance"]
    assert all(v < 0.1 for f in FEATURES[1:] for _, v in clinic.datapoints("FeatureDrift", Feature=f))
    assert [v for _, v in clinic.datapoints("DriftedFeatures")] == [1]
    alarm = clinic.create_drift_alarm()
    assert (alarm["MetricName"], alarm["AlarmActions"]) == ("DriftedFeatures", [clinic.refs[("sns.ml-oncall", "arn")]])
    assert clinic.alarm_would_fire(alarm)


def test_an_empty_window_runs_no_job_and_publishes_nothing(clinic):
    clinic.put_captures(BEFORE, clinic_features(31, 100), seed=31)
    clinic.put_captures(AFTER, clinic_features(32, 100), seed=32)

    run = clinic.run()

    assert run.executed == ["window", "has-captures"] and run.conditions == {"has-captures": False}
    assert run.lambda_outputs["window"]["capture_files"] == 0 and run.processing == {}
    manifest = split_uri(run.lambda_outputs["window"]["captures_manifest"])
    assert json.loads(clinic.s3.get_object(Bucket=manifest[0], Key=manifest[1])["Body"].read()) == [
        {"prefix": concrete(clinic.window["Arguments"]["capture_prefix"], {})}]
    assert "Contents" not in clinic.s3.list_objects_v2(Bucket=clinic.bucket, Prefix="monitoring/noshow/reports/")
    assert clinic.listed_metrics() == []


def test_a_version_registered_without_a_baseline_fails_the_window_step_naming_its_package(aws, prod, tmp_path):
    world = Clinic(prod, tmp_path)
    served = prod.env_spec.spec.endpoints["noshow"].version
    arn = world.register({served: None})[served]
    assert arn == world.served_arn(prod)
    world.put_captures(IN_WINDOW, clinic_features(41, 100), seed=41)

    with pytest.raises(StepFailed) as failed:
        world.run()

    assert failed.value.step == "window"
    assert f"model package {arn} was registered without a data-quality baseline" in failed.value.message
    assert "Contents" not in world.s3.list_objects_v2(Bucket=world.bucket, Prefix="monitoring/")  # nothing written
    # The execution fails, so mlopsc's failed-run rule sends it to the team's topic. moto's EventBridge matches
    # patterns but delivers to no SNS topic (nor implements TestEventPattern): an SQS queue stands in for it.
    rule = concrete(resource(prod, "events.pipeline-failures")["inputs"], {})
    target = resource(prod, "events.pipeline-failures.to-ml-oncall")["inputs"]
    assert target["rule"] == {"$ref": "events.pipeline-failures", "attr": "name"}
    assert concrete(target["arn"], world.refs) == world.refs[("sns.ml-oncall", "arn")]
    events, sqs = boto3.client("events"), boto3.client("sqs")
    queue = sqs.create_queue(QueueName="stand-in-for-ml-oncall")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name=rule["name"], EventPattern=json.dumps(rule["event_pattern"]["$json"]), State=rule["state"])
    events.put_targets(Rule=rule["name"], Targets=[{"Id": target["target_id"], "Arn": queue_arn}])
    pipeline = resource(prod, "pipeline.drift-noshow")["inputs"]["pipeline_name"]
    pipeline_arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{pipeline}"
    for status in ("Succeeded", "Failed"):  # what SageMaker sends when an execution ends
        events.put_events(Entries=[{"Source": "aws.sagemaker", "Resources": [pipeline_arn],
                                    "DetailType": "SageMaker Model Building Pipeline Execution Status Change",
                                    "Detail": json.dumps({"pipelineArn": pipeline_arn,
                                                          "currentPipelineExecutionStatus": status,
                                                          "previousPipelineExecutionStatus": "Executing"})}])
    delivered = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
    assert [json.loads(m["Body"])["detail"]["currentPipelineExecutionStatus"] for m in delivered] == ["Failed"]


def test_the_drift_run_judges_against_the_served_versions_own_baseline(aws, profiles, cache_dir, tmp_path):
    """v5 was trained before an SMS reminder campaign, v6 after it: today's requests (reminders near-universal)
    drift from v5's baseline, not from v6's. Promoting v6 (prod.yaml's version: 6) changes the judge."""
    project = tmp_path / "clinic-noshow"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".mlopsc"))
    prod_yaml = project / "environments" / "prod.yaml"
    text = prod_yaml.read_text()
    assert text.count("version: 5 ") == 1
    compiled = {}
    for version in (5, 6):
        prod_yaml.write_text(text.replace("version: 5 ", f"version: {version} "))
        compiled[version] = compile_env(project / "mlops.yaml", "prod")
        assert compiled[version].env_spec.spec.endpoints["noshow"].version == version
    world = Clinic(compiled[5], tmp_path)
    arns = world.register({5: world.put_baseline(profiles["autumn"], "a1b2c3d4e5f6"),
                           6: world.put_baseline(profiles["campaign"], "f6e5d4c3b2a1")})
    assert (arns[5], arns[6]) == (world.served_arn(compiled[5]), world.served_arn(compiled[6]))
    world.put_captures(IN_WINDOW, clinic_features(51, 600, sms_rate=0.97), seed=51)

    before, after = world.run(compiled[5], "v5run000001a"), world.run(compiled[6], "v6run000001b")

    assert "a1b2c3d4e5f6" in before.lambda_outputs["window"]["statistics_uri"]
    assert "f6e5d4c3b2a1" in after.lambda_outputs["window"]["statistics_uri"]
    assert world.report(before)["drifted_features"] == ["sms_reminder_sent"]
    assert before.lambda_outputs["publish"] == {"drift": True, "drifted_features": 1, "records": 600}
    assert world.report(after)["drifted_features"] == []
    assert after.lambda_outputs["publish"] == {"drift": False, "drifted_features": 0, "records": 600}


def test_the_retrain_baseline_step_profiles_what_the_drift_job_then_reads(aws, dev, prod, tmp_path):
    """dev's compiled `profile` step, on prepare's baseline output, writes the version's baseline to the registry
    store; the register step's DriftCheckBaselines point at it; prod's drift run reads it: a clean window passes."""
    world = Clinic(prod, tmp_path)
    dev_bucket = concrete(resource(dev, "bucket.artifacts")["inputs"]["bucket"], {})
    world.s3.create_bucket(Bucket=dev_bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    dev_key = Clinic.key(resource(dev, "kms.alias")["inputs"]["name"])
    world.upload_code(dev, dev_key)
    retrain = PipelineRun(dev.definitions["retrain"], tmp_path / "dev-jobs", {}, ACCOUNT, "r3tr41n00001",
                          refs={**world.sim_refs(), "kms.key:arn": dev_key})
    dataset = retrain.output_uri("prepare", "baseline")
    assert dataset == f"s3://{dev_bucket}/pipelines/retrain/r3tr41n00001/prepare/baseline"
    bucket, key = split_uri(dataset)
    world.s3.put_object(Bucket=bucket, Key=f"{key}/baseline.csv", Body=baseline_csv(clinic_features(61, 3000)).encode(),
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=dev_key)

    retrain.run(only={"profile"}, done={"prepare"})

    profile = f"s3://{world.store}/baselines/retrain/r3tr41n00001/profile"
    assert retrain.processing["profile"].downloaded == {"code": ["drift_job.py"], "dataset": ["baseline.csv"]}
    assert retrain.processing["profile"].uploaded == {"baseline": [f"{profile}/constraints.json",
                                                                   f"{profile}/statistics.json"]}
    head = world.s3.head_object(Bucket=world.store, Key="baselines/retrain/r3tr41n00001/profile/statistics.json")
    assert head["SSEKMSKeyId"] == world.keys["registry-store.key"]  # the store's key, readable where versions serve
    baselines = retrain.resolve(retrain.steps["register"]["Arguments"]["DriftCheckBaselines"])
    assert baselines["ModelDataQuality"]["Statistics"]["S3Uri"] == f"{profile}/statistics.json"
    assert baselines["ModelDataQuality"]["Constraints"]["S3Uri"] == f"{profile}/constraints.json"
    statistics = json.loads(world.s3.get_object(Bucket=world.store, Key=split_uri(f"{profile}/statistics.json")[1])
                            ["Body"].read())
    assert [f["name"] for f in statistics["features"]] == FEATURES and statistics["dataset"]["item_count"] == 3000

    served = prod.env_spec.spec.endpoints["noshow"].version
    assert world.register({served: baselines})[served] == world.served_arn(prod)  # the API takes compile's shape
    world.put_captures(IN_WINDOW, clinic_features(62, 600), seed=62)
    run = world.run()

    assert run.lambda_outputs["window"]["statistics_uri"] == f"{profile}/statistics.json"
    assert run.lambda_outputs["publish"] == {"drift": False, "drifted_features": 0, "records": 600}
    assert world.report(run)["baseline_records"] == 3000


def test_the_metrics_are_timestamped_at_the_windows_end_not_when_publish_runs(clinic):
    """A run that publishes late (a queued job, a retry) still puts its datapoint in its window's alarm period:
    the compiled publish step passes the window step's window_end."""
    clinic.put_captures(IN_WINDOW, clinic_features(71, 100), seed=71, files=1)

    run = clinic.run()

    assert run.lambda_outputs["publish"]["drifted_features"] == 0
    [(when, _)] = clinic.datapoints("DriftedFeatures", period=60)
    assert when == dt.datetime.fromisoformat(WINDOW[1])


# -- the simulator itself -----------------------------------------------------------------------------------

def test_the_simulated_container_has_neither_mlopsc_nor_aws_credentials(aws, tmp_path):
    """What makes the runs above a proof: the job ran without mlopsc and without credentials."""
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="probe", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="probe", Key="code/probe.py", Body=b"""\
import importlib.util, json, os, pathlib, sys
out = pathlib.Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
found = {"mlopsc": importlib.util.find_spec("mlopsc") is not None, "numpy": bool(importlib.util.find_spec("numpy")),
         "aws": sorted(k for k in os.environ if k.startswith("AWS_")), "args": sys.argv[1:]}
(out / "found.json").write_text(json.dumps(found))
""")
    step = {"Name": "probe", "Type": "Processing", "Arguments": {
        "AppSpecification": {"ImageUri": "x",
                             "ContainerEntrypoint": ["python3", "/opt/ml/processing/input/code/probe.py"],
                             "ContainerArguments": ["--out", "/opt/ml/processing/output/found"]},
        "ProcessingInputs": [{"InputName": "code", "S3Input": {
            "S3Uri": "s3://probe/code/probe.py", "LocalPath": "/opt/ml/processing/input/code", "S3DataType": "S3Prefix",
            "S3InputMode": "File", "S3CompressionType": "None"}}],
        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "found", "S3Output": {
            "S3Uri": {"Std:Join": {"On": "/", "Values": ["s3://probe/out", {"Get": "Execution.PipelineExecutionId"}]}},
            "LocalPath": "/opt/ml/processing/output/found", "S3UploadMode": "EndOfJob"}}]}}}

    with pytest.raises(SimulationError, match="no KmsKeyId"):
        PipelineRun({"Steps": [step]}, tmp_path, {}).run()
    run = PipelineRun({"Steps": [step]}, tmp_path, {}, output_key_required=False).run()

    found = json.loads(s3.get_object(Bucket="probe", Key=f"out/{run.execution_id}/found.json")["Body"].read())
    disk = tmp_path / run.execution_id / "probe"
    assert found == {"mlopsc": False, "numpy": True, "aws": [],
                     "args": ["--out", str(disk / "opt/ml/processing/output/found")]}


@pytest.mark.parametrize("returned, error, message", [
    ({"capture_files": 3}, None, None),
    ({}, StepFailed, "returned no output 'capture_files'"),
    ({"capture_files": True}, StepFailed, "not of type Integer"),  # JSON true is no Integer
    ({"capture_files": "3"}, StepFailed, "not of type Integer"),
    ({"capture_files": 3, "spare": 1}, SimulationError, "OutputParameters do not declare"),
])
def test_the_simulator_holds_a_lambda_step_to_its_declared_outputs(tmp_path, returned, error, message):
    arn = "arn:aws:lambda:eu-west-1:123456789012:function:f"
    step = {"Name": "window", "Type": "Lambda", "FunctionArn": arn, "Arguments": {"id": {
        "Get": "Execution.PipelineExecutionId"}}, "OutputParameters": [{"OutputName": "capture_files",
                                                                        "OutputType": "Integer"}]}
    events = []
    run = PipelineRun({"Steps": [step]}, tmp_path, {arn: lambda event, _: events.append(event) or returned},
                      event_extras={"window": {"now": NOW}})
    if error is None:
        assert run.run().lambda_outputs == {"window": returned}
    else:
        with pytest.raises(error, match=message):
            run.run()
    assert events == [{"id": run.execution_id, "now": NOW}]
