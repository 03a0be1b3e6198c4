"""`mlopsc run`: start a SageMaker pipeline execution and, with --wait, follow it to the end."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from mlopsc.aws import explain
from mlopsc.errors import Failure

TERMINAL = ("Succeeded", "Failed", "Stopped")
TRANSIENT = {"InternalFailure", "InternalServerError", "ServiceUnavailable", "ThrottlingException", "Throttling"}
# Answers meaning "this endpoint does not implement ListPipelineExecutionSteps": explicit codes, and the bare
# HTTP status botocore reports as the code when the body is no AWS error at all (moto's 500 page for an action
# it lacks). AWS's own 500s (InternalFailure, ServiceUnavailable) and throttling are transient: they are
# tried again at the next poll, never taken as "unsupported".
UNSUPPORTED = {"NotImplemented", "NotImplementedError", "InvalidAction", "UnknownOperationException",
               "UnsupportedOperation", "404", "500", "501"}


class RunError(Failure):
    """A run that cannot start or be followed; the message says why and what to do."""

    code = "MLC270"


def parse_params(pairs: tuple[str, ...] | list[str], declared: dict[str, str] | None, pipeline: str) -> list[dict]:
    """`NAME=VALUE` pairs as SageMaker PipelineParameters; names must be declared and values fit their declared
    type (when known). A refusal names the parameter and its type, never the value (it may be a secret)."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise RunError(f"--param {pair!r} is not NAME=VALUE")
        if declared is not None and name not in declared:
            known = ", ".join(declared) or "none"
            raise RunError(f"pipeline `{pipeline}` has no parameter `{name}` (its parameters: {known})")
        kind = declared.get(name, "string") if declared is not None else "string"
        if kind in _TYPED:
            grammar, what, example = _TYPED[kind]
            value = value.strip()
            if not grammar.fullmatch(value):
                raise RunError(f"--param {name}: parameter `{name}` of pipeline `{pipeline}` has type {kind}, and the "
                               f"value given is not {what}", f"give {what}, e.g. --param {name}={example}")
        params[name] = value.lower() if kind == "boolean" else value
    return [{"Name": name, "Value": value} for name, value in params.items()]


# A parameter's declared type -> (the values SageMaker reads as one, what they are, an example).
_TYPED = {"integer": (re.compile(r"[+-]?[0-9]+"), "a whole number", "3"),
          "float": (re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"), "a finite number", "0.5"),
          "boolean": (re.compile(r"true|false", re.IGNORECASE), "true or false", "true")}


def check_param_values(params: list[dict], checks: dict, pipeline: str) -> None:
    """Each value SageMaker would refuse where its parameter stands (an instance type it does not offer for the
    step's jobs or of another kind than the default, a count out of range, an unknown approval status), or
    outside the parameter's allowed_prefix: a RunError before any AWS call (spec/checks/params.py)."""
    from mlopsc.spec.checks.params import run_problem

    for param in params:
        check = checks.get(param["Name"])
        problem = None if check is None else run_problem(check, param["Value"])
        if problem is not None:
            raise RunError(f"--param {param['Name']} of pipeline `{pipeline}`: {problem[0]}", problem[1])


def commit_parameter(names, given: list[dict], emit: Callable[[str], None]) -> list[dict]:
    """MlopscCommit=<sha>[-dirty] of the spec's folder, which the versions this run registers record as their
    CommitId; none when the user passed it, or outside git (the pipeline's default `unknown` stays)."""
    from mlopsc.gitinfo import commit_of
    from mlopsc.operate.names import COMMIT

    if any(p["Name"] == COMMIT for p in given):
        return []
    commit = commit_of(names.spec_dir or ".")
    if commit is None:
        emit(f"note: the spec is not in a git repository: the versions this run registers record {COMMIT} "
             "`unknown`")
        return []
    if commit.dirty:
        emit(f"note: the spec's folder has uncommitted changes: the versions this run registers record "
             f"{commit.label}")
    return [{"Name": COMMIT, "Value": commit.label}]


def start(client, pipeline_name: str, params: list[dict]) -> str:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = client.start_pipeline_execution(
            PipelineName=pipeline_name, PipelineParameters=params, ClientRequestToken=str(uuid.uuid4()),
            PipelineExecutionDescription="started by mlopsc run")
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        message = str(err).lower()
        if code == "ResourceNotFound" or (code == "ValidationException" and ("not exist" in message or
                                                                          "not found" in message
                                                                          or "could not find" in message)):
            raise RunError(f"pipeline {pipeline_name} does not exist in this account and region: apply the env "
                           "first (`mlopsc apply --env ENV`)") from None
        raise RunError(str(explain(err, f"start pipeline {pipeline_name}"))) from None
    except BotoCoreError as err:
        raise RunError(str(explain(err, f"start pipeline {pipeline_name}"))) from None
    return response["PipelineExecutionArn"]


@dataclass
class Follow:
    """The state of a followed execution: its status and each step's last seen status."""

    status: str = ""
    reason: str = ""
    steps: dict[str, str] = field(default_factory=dict)
    steps_supported: bool = True


def poll_steps(client, arn: str, follow: Follow, emit: Callable[[str], None]) -> None:
    from botocore.exceptions import ClientError

    if not follow.steps_supported:
        return
    try:
        response = client.list_pipeline_execution_steps(PipelineExecutionArn=arn, SortOrder="Ascending")
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        status = str(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code in UNSUPPORTED or status == "501" or "not yet implemented" in str(err).lower():
            follow.steps_supported = False
            emit(f"  (this AWS endpoint does not list pipeline steps ({code or status}); following the "
                 "execution status only)")
            return
        if code in TRANSIENT or status in ("500", "502", "503", "504"):
            return  # the steps are listed again at the next poll
        raise
    for step in response.get("PipelineExecutionSteps", []):
        name, status = step.get("StepName", "?"), step.get("StepStatus", "?")
        if follow.steps.get(name) != status:
            follow.steps[name] = status
            reason = f": {step['FailureReason']}" if step.get("FailureReason") else ""
            emit(f"  step {name}: {status}{reason}")


def wait(client, arn: str, timeout: int, interval: float, emit: Callable[[str], None],
         sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> Follow:
    """Poll until the execution ends or timeout seconds pass (then status stays non-terminal)."""
    from botocore.exceptions import BotoCoreError, ClientError

    follow = Follow()
    deadline = clock() + timeout
    while True:
        try:
            described = client.describe_pipeline_execution(PipelineExecutionArn=arn)
            poll_steps(client, arn, follow, emit)
        except (ClientError, BotoCoreError) as err:
            raise RunError(str(explain(err, "follow the pipeline execution"))) from None
        status = described.get("PipelineExecutionStatus", "Unknown")
        if status != follow.status:
            emit(f"  execution: {status}")
        follow.status = status
        follow.reason = described.get("FailureReason") or ""
        if status in TERMINAL or clock() >= deadline:
            return follow
        sleep(min(interval, max(0.0, deadline - clock())))


def run(names, pipeline: str, pairs: tuple[str, ...], *, timeout: int | None, poll: float,
        show: Callable[[str], None], emit: Callable[[str], None]) -> None:
    """`mlopsc run`: start PIPELINE of the env named by `names` (show gets its ARN) and, with a timeout,
    follow it (emit gets the progress); RunError unless it started (and, followed, Succeeded)."""
    from botocore.exceptions import BotoCoreError

    from mlopsc.aws import client
    from mlopsc.operate.names import pipeline_key
    from mlopsc.spec.grammar import format_duration

    key = pipeline_key(names, pipeline)
    if key is None:
        raise RunError(f"`{pipeline}` is not a pipeline or batch job of this spec (known: "
                       f"{', '.join(sorted(names.pipelines)) or 'none'})")
    parameters = parse_params(pairs, names.parameters.get(key), pipeline)
    check_param_values(parameters, names.parameter_checks.get(key, {}), pipeline)
    name = names.pipelines[key]
    if key in names.records_commit:
        parameters += commit_parameter(names, parameters, emit)
    try:
        sm = client("sagemaker", names.region)
    except BotoCoreError as err:  # no such profile, no region: before any call
        raise RunError(str(explain(err, f"start pipeline {name}"))) from None
    arn = start(sm, name, parameters)
    show(arn)
    if timeout is None:
        return
    emit(f"Waiting for {name} (timeout {format_duration(timeout)}) …")
    follow = wait(sm, arn, timeout, poll, emit)
    if follow.status == "Succeeded":
        emit(f"{name}: Succeeded")
        return
    if follow.status not in TERMINAL:
        raise RunError(f"the execution is still {follow.status} after {format_duration(timeout)}; it keeps running "
                       f"in SageMaker (follow it with `mlopsc status --env {names.env}`, or stop it with `aws "
                       f"sagemaker stop-pipeline-execution --pipeline-execution-arn {arn}`)", code="MLC271")
    raise RunError(f"the execution ended {follow.status}" + (f": {follow.reason}" if follow.reason else ""),
                   code="MLC271")
