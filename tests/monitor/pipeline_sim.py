"""A local run of a compiled SageMaker pipeline definition, as SageMaker Pipelines would execute it.

For the step types of mlopsc's drift pipelines: Lambda steps call an in-process handler (moto stands in for
AWS), Condition steps evaluate their conditions, Processing steps are emulated like SageMaker Processing
does it: download each input into the container's /opt/ml/processing/..., run the entrypoint script in an
isolated subprocess (no mlopsc, no AWS credentials: the network-isolated container), upload each output
(encrypted with the job's KmsKeyId). Expressions resolved: Execution.PipelineExecutionId, Parameters.<p>,
Steps.<s>.OutputParameters['<o>'], Steps.<s>.ProcessingOutputConfig.Outputs['<o>'].S3Output.S3Uri, Std:Join.

Two kinds of error: StepFailed — the execution would fail at that step (SageMaker would report it);
SimulationError — the definition and its functions disagree, or it uses what this simulator cannot model.
"""

from __future__ import annotations

import json
import operator
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

CONTAINER_ROOT = "/opt/ml/processing/"
ACCOUNT_TOKEN = "${aws:accountId}"
REF_TOKEN = re.compile(r"\$\{ref:(?P<ref>[^}]+)\}")
LAMBDA_OUTPUT = re.compile(r"Steps\.(?P<step>[^.]+)\.OutputParameters\['(?P<output>[^']+)'\]")
PROCESSING_OUTPUT = re.compile(
    r"Steps\.(?P<step>[^.]+)\.ProcessingOutputConfig\.Outputs\['(?P<output>[^']+)'\]\.S3Output\.S3Uri")
STEP_GET = re.compile(r"Steps\.(?P<step>[^.]+)\.")
# The JSON types SageMaker accepts for a Lambda step's OutputType (bool is no Integer: json.loads("true")).
OUTPUT_TYPES = {"String": lambda v: isinstance(v, str), "Boolean": lambda v: isinstance(v, bool),
                "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
                "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool)}
COMPARISONS = {"GreaterThan": operator.gt, "GreaterThanOrEqualTo": operator.ge, "LessThan": operator.lt,
               "LessThanOrEqualTo": operator.le, "Equals": operator.eq}
MAX_JOB_SECONDS = 120  # a local job's cap, whatever its StoppingCondition says
# The container's Python: the standard library and this interpreter's site-packages (numpy, scipy, ...),
# read without running `site` (-S), so no .pth file installs mlopsc's editable finder; -I: no PYTHON*
# variables, no user site, no script folder on sys.path. The script then runs as __main__.
BOOT = ("import json, runpy, sys\n"
        "sys.path.extend(json.loads(sys.argv[1]))\n"
        "sys.argv = sys.argv[2:]\n"
        "runpy.run_path(sys.argv[0], run_name='__main__')\n")


class StepFailed(Exception):
    def __init__(self, step: str, message: str):
        super().__init__(f"step {step} failed: {message}")
        self.step, self.message = step, message


class SimulationError(AssertionError):
    """The definition, its functions and its jobs disagree (or the simulator cannot model the definition)."""


@dataclass
class ProcessingRun:
    body: dict  # the resolved CreateProcessingJob body
    downloaded: dict[str, list[str]]  # input name -> files, relative to its LocalPath
    uploaded: dict[str, list[str]]  # output name -> the S3 URIs written
    stdout: str
    stderr: str


@dataclass
class PipelineRun:
    definition: dict
    root: pathlib.Path  # the containers' disks: root/<execution id>/<step>/opt/ml/processing/...
    functions: dict[str, Callable]  # FunctionArn -> handler(event, context)
    account: str = "123456789012"
    execution_id: str = "x7k2m9q4w1z8"  # SageMaker's ids are 12 lowercase letters and digits
    refs: dict[str, str] = field(default_factory=dict)  # "kms.key:arn" -> value, for ${ref:kms.key:arn}
    parameters: dict[str, Any] = field(default_factory=dict)
    event_extras: dict[str, dict] = field(default_factory=dict)  # Lambda step -> keys added to its event
    output_key_required: bool = True  # the env has a KMS key: every job output must be encrypted with one
    executed: list[str] = field(default_factory=list)
    lambda_outputs: dict[str, dict] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)
    processing: dict[str, ProcessingRun] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)  # steps taken as completed earlier (their outputs resolve)

    def __post_init__(self):
        text = json.dumps(self.definition).replace(ACCOUNT_TOKEN, self.account)
        self.definition = json.loads(REF_TOKEN.sub(lambda m: self.refs.get(m["ref"], m[0]), text))
        self.steps: dict[str, dict] = {}
        self._index(self.definition["Steps"])

    def _index(self, steps: list[dict]) -> None:
        for step in steps:
            if step["Name"] in self.steps:
                raise SimulationError(f"two steps named {step['Name']}")
            self.steps[step["Name"]] = step
            if step["Type"] == "Condition":
                self._index(step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []))

    # -- running --------------------------------------------------------------------------------------------
    def run(self, only: set[str] | None = None, done: set[str] = frozenset()) -> PipelineRun:
        """Execute the pipeline (or only the named top-level steps, `done` ones taken as run before)."""
        self.done |= set(done)
        self._run_list([s for s in self.definition["Steps"] if only is None or s["Name"] in only])
        return self

    def _run_list(self, steps: list[dict]) -> None:
        """The steps in dependency order (their Get references and DependsOn), as SageMaker schedules them."""
        pending = list(steps)
        while pending:
            names = {s["Name"] for s in pending}
            ready = next((s for s in pending if not self._dependencies(s) & names), None)
            if ready is None:
                raise SimulationError(f"a dependency cycle among {sorted(names)}")
            pending.remove(ready)
            self._run_step(ready)

    def _dependencies(self, step: dict) -> set[str]:
        own = step["Arguments"].get("Conditions", []) if step["Type"] == "Condition" else step
        found = set(step.get("DependsOn", []))
        for text in re.findall(r'"Get": "([^"]+)"', json.dumps(own)):
            if (match := STEP_GET.match(text)) and match["step"] != step["Name"]:
                found.add(match["step"])
        return found

    def _run_step(self, step: dict) -> None:
        run = {"Lambda": self._lambda, "Condition": self._condition, "Processing": self._processing}.get(step["Type"])
        if run is None:
            raise SimulationError(f"step {step['Name']}: type {step['Type']} is not simulated")
        self.executed.append(step["Name"])
        run(step)

    def _lambda(self, step: dict) -> None:
        name, arn = step["Name"], self.concrete(self.resolve(step["FunctionArn"]), "FunctionArn")
        if arn not in self.functions:
            raise SimulationError(f"step {name} calls {arn}, not one of the functions {sorted(self.functions)}")
        event = json.loads(json.dumps(self.concrete(self.resolve(step["Arguments"]), f"{name}'s Arguments")))
        event.update(self.event_extras.get(name, {}))
        try:
            returned = json.loads(json.dumps(self.functions[arn](event, None)))  # the function answers JSON
        except Exception as error:  # the function failed: so does the step, and the execution
            raise StepFailed(name, f"{type(error).__name__}: {error}") from error
        declared = {o["OutputName"]: o["OutputType"] for o in step.get("OutputParameters", [])}
        if not isinstance(returned, dict):
            raise StepFailed(name, f"the function returned {type(returned).__name__}, not a JSON object")
        for output, kind in declared.items():
            if output not in returned:
                raise StepFailed(name, f"the function returned no output {output!r}")
            if not OUTPUT_TYPES[kind](returned[output]):
                raise StepFailed(name, f"output {output!r} is {returned[output]!r}, not of type {kind}")
        if set(returned) != set(declared):
            raise SimulationError(f"step {name}: the function returns {sorted(set(returned) - set(declared))}, "
                                  "which OutputParameters do not declare")
        self.lambda_outputs[name] = returned

    def _condition(self, step: dict) -> None:
        arguments = step["Arguments"]
        outcome = all(self._holds(c) for c in arguments["Conditions"])
        self.conditions[step["Name"]] = outcome
        self._run_list(arguments.get("IfSteps" if outcome else "ElseSteps", []))

    def _holds(self, condition: dict) -> bool:
        kind = condition["Type"]
        if kind == "Not":
            return not self._holds(condition["Expression"])
        if kind == "Or":
            return any(self._holds(c) for c in condition["Conditions"])
        if kind == "In":
            return self.resolve(condition["QueryValue"]) in [self.resolve(v) for v in condition["Values"]]
        left, right = self.resolve(condition["LeftValue"]), self.resolve(condition["RightValue"])
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
        if kind not in COMPARISONS or not (numbers or type(left) is type(right)):
            raise SimulationError(f"cannot evaluate {kind} of {left!r} and {right!r}")
        return COMPARISONS[kind](left, right)

    def _processing(self, step: dict) -> None:
        name = step["Name"]
        body = self.concrete(self.resolve(step["Arguments"]), f"{name}'s CreateProcessingJob body")
        disk = self.root / self.execution_id / name
        shutil.rmtree(disk, ignore_errors=True)
        s3 = boto3.client("s3")
        downloaded = {i["InputName"]: self._download(s3, name, i["S3Input"], disk) for i in body["ProcessingInputs"]}
        entrypoint = body["AppSpecification"]["ContainerEntrypoint"]
        if entrypoint[:1] != ["python3"] or len(entrypoint) != 2:
            raise SimulationError(f"step {name}: entrypoint {entrypoint} is not `python3 <script>`")
        script = self.local(disk, entrypoint[1])
        if not script.is_file():
            raise StepFailed(name, f"{entrypoint[1]} is in none of the job's inputs")
        arguments = [str(self.local(disk, a)) if a.startswith(CONTAINER_ROOT) else a
                     for a in body["AppSpecification"].get("ContainerArguments", [])]
        home = disk / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | {"HOME": str(home)}
        sites = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
        timeout = min(body.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", MAX_JOB_SECONDS), MAX_JOB_SECONDS)
        job = subprocess.run([sys.executable, "-I", "-S", "-c", BOOT, json.dumps(sites), str(script), *arguments],
                             env=env, cwd=disk, capture_output=True, text=True, timeout=timeout, check=False)
        if job.returncode != 0:
            raise StepFailed(name, f"the job exited with {job.returncode}: {job.stderr.strip()}")
        config = body["ProcessingOutputConfig"]
        if self.output_key_required and not config.get("KmsKeyId"):
            raise SimulationError(f"step {name}: the env has a KMS key, but the job's outputs set no KmsKeyId")
        encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": config["KmsKeyId"]} \
            if config.get("KmsKeyId") else {}
        uploaded = {o["OutputName"]: self._upload(s3, o["S3Output"], disk, encryption) for o in config["Outputs"]}
        self.processing[name] = ProcessingRun(body, downloaded, uploaded, job.stdout, job.stderr)

    def _download(self, s3, step: str, source: dict, disk: pathlib.Path) -> list[str]:
        """A File-mode input into its LocalPath: an S3Prefix's objects by their path below the prefix (one
        object named by the URI: its file name), a ManifestFile's listed keys by their path below its prefix."""
        if (source.get("S3InputMode", "File"), source.get("S3CompressionType", "None")) != ("File", "None"):
            raise SimulationError(f"step {step}: only File-mode inputs without compression are simulated")
        bucket, key = split_uri(source["S3Uri"])
        if source["S3DataType"] == "S3Prefix":
            listed = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
                      for o in page.get("Contents", []) if not o["Key"].endswith("/")]
            files = [(k, k.rsplit("/", 1)[-1] if k == key else k[len(key):].lstrip("/")) for k in listed]
            for k, _ in files:
                if not (k == key or key.endswith("/") or k[len(key)] == "/"):
                    raise SimulationError(f"step {step}: prefix s3://{bucket}/{key} also matches s3://{bucket}/{k}")
        elif source["S3DataType"] == "ManifestFile":
            manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
            bucket, base = split_uri(manifest[0]["prefix"])
            files = [(base + relative, relative) for relative in manifest[1:]]
        else:
            raise SimulationError(f"step {step}: S3DataType {source['S3DataType']} is not simulated")
        if not files:  # SageMaker fails a job whose input holds no object
            raise StepFailed(step, f"no S3 objects found under {source['S3Uri']}")
        target = self.local(disk, source["LocalPath"])
        for k, relative in files:
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            try:
                s3.download_file(bucket, k, str(target / relative))
            except Exception as error:
                raise StepFailed(step, f"cannot download s3://{bucket}/{k}: {error}") from error
        return sorted(relative for _, relative in files)

    def _upload(self, s3, target: dict, disk: pathlib.Path, encryption: dict) -> list[str]:
        bucket, key = split_uri(target["S3Uri"])
        folder, written = self.local(disk, target["LocalPath"]), []
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            object_key = f"{key.rstrip('/')}/{path.relative_to(folder).as_posix()}"
            s3.put_object(Bucket=bucket, Key=object_key, Body=path.read_bytes(), **encryption)
            written.append(f"s3://{bucket}/{object_key}")
        return written

    # -- expressions ----------------------------------------------------------------------------------------
    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Get"}:
            return self._get(value["Get"])
        if set(value) == {"Std:Join"}:
            join = value["Std:Join"]
            return join["On"].join(str(self.resolve(v)) for v in join["Values"])
        return {k: self.resolve(v) for k, v in value.items()}

    def _get(self, path: str):
        if path == "Execution.PipelineExecutionId":
            return self.execution_id
        if path.startswith("Parameters."):
            declared = {p["Name"]: p.get("DefaultValue") for p in self.definition.get("Parameters", [])}
            name = path[len("Parameters."):]
            if name not in declared:
                raise SimulationError(f"{path}: the pipeline declares no such parameter")
            return self.parameters.get(name, declared[name])
        if match := LAMBDA_OUTPUT.fullmatch(path):
            outputs = self.lambda_outputs.get(match["step"])
            if outputs is None or match["output"] not in outputs:
                raise SimulationError(f"{path}: step {match['step']} has not run or returned no such output")
            return outputs[match["output"]]
        if match := PROCESSING_OUTPUT.fullmatch(path):
            if match["step"] not in self.done and match["step"] not in self.processing:
                raise SimulationError(f"{path}: step {match['step']} has not run")
            if match["step"] in self.processing:
                outputs = self.processing[match["step"]].body["ProcessingOutputConfig"]["Outputs"]
                return next(o["S3Output"]["S3Uri"] for o in outputs if o["OutputName"] == match["output"])
            return self.output_uri(match["step"], match["output"])
        raise SimulationError(f"{path}: this expression is not simulated")

    def output_uri(self, step: str, output: str) -> str:
        """Where a Processing step's output goes in this execution (resolved from its declaration)."""
        outputs = self.steps[step]["Arguments"]["ProcessingOutputConfig"]["Outputs"]
        declared = next((o for o in outputs if o["OutputName"] == output), None)
        if declared is None:
            raise SimulationError(f"step {step} declares no output {output!r}")
        return self.resolve(declared["S3Output"]["S3Uri"])

    @staticmethod
    def concrete(value, what: str):
        """value, checked to hold no unresolved token (${aws:accountId}, ${ref:...}) nor expression."""
        text = json.dumps(value)
        if "${" in text or '"Get"' in text or '"Std:Join"' in text:
            raise SimulationError(f"{what} is not concrete: {text[:300]}")
        return value

    @staticmethod
    def local(disk: pathlib.Path, container_path: str) -> pathlib.Path:
        if not container_path.startswith(CONTAINER_ROOT):
            raise SimulationError(f"{container_path} is not under {CONTAINER_ROOT}")
        return disk / container_path.lstrip("/")


def split_uri(uri: str) -> tuple[str, str]:
    if not isinstance(uri, str) or not uri.startswith("s3://"):
        raise SimulationError(f"not an S3 URI: {uri!r}")
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key
