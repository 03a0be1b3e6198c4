"""Accesses of pipeline executions, read from the definitions: each step's inputs, outputs and jobs.

A pipeline expression stands for what the execution makes of it: `Execution.PipelineExecutionId`
is EXECUTION, a parameter its default, `Steps.S.ProcessingOutputConfig.Outputs['o'].S3Output.S3Uri`
the S3Uri step S writes output o to, `Steps.S.ModelArtifacts.S3ModelArtifacts` the object training
step S writes (<S3OutputPath>/<job name>/output/model.tar.gz), each with the KMS key S writes it with,
and `Steps.S.OutputParameters['o']` what Lambda step S's function returns (functions.py). A job's
S3Prefix input is listed (SageMaker lists the prefix, even one naming a single object); a ManifestFile
input is read with the objects it lists.
"""

from __future__ import annotations

import re
from typing import Any, Iterator

from .accesses import (Access, Value, assumes, key_arn, logs, passes_role, pulls, reads, volume_grant, writes)
from .resolve import Env, System

EXECUTION = "0a1b2c3d4e5f"  # a pipeline execution id, as SageMaker makes them (12 characters)
_OUTPUT = re.compile(r"^Steps\.([^.]+)\.ProcessingOutputConfig\.Outputs\['([^']+)'\]\.S3Output\.S3Uri$")
_MODEL = re.compile(r"^Steps\.([^.]+)\.ModelArtifacts\.S3ModelArtifacts$")
_PARAMETER = re.compile(r"^Steps\.([^.]+)\.OutputParameters\['([^']+)'\]$")
JOBS = {"Processing": ("processing-job", "ProcessingJobs"), "Training": ("training-job", "TrainingJobs"),
        "Transform": ("transform-job", "TransformJobs")}


def walk(steps: list[dict]) -> Iterator[dict]:
    """Every step of a definition, the ones nested in Condition branches too."""
    for step in steps:
        yield step
        if step["Type"] == "Condition":
            yield from walk(step["Arguments"].get("IfSteps", []) + step["Arguments"].get("ElseSteps", []))


def job_name(step: str) -> str:
    """The name SageMaker Pipelines gives a step's job: pipelines-<execution>-<step>-<suffix>."""
    return f"pipelines-{EXECUTION}-{step}-a1b2c3d4e5"[:63]


class Execution:
    """One execution of one pipeline of one env: its expressions made concrete."""

    def __init__(self, found: System, env: Env, name: str):
        self.found, self.env, self.name = found, env, name
        self.definition = env.definitions[name]
        self.steps = {step["Name"]: step for step in walk(self.definition["Steps"])}
        self.parameters = {p["Name"]: p.get("DefaultValue", "") for p in self.definition.get("Parameters", [])}
        self.arn = next((arn for arn, where in found.pipelines.items() if where == (env.name, name)), None)
        self.full_name = (self.arn or name).rsplit("/", 1)[-1]
        self.role = next((inputs["role_arn"] for address, (t, inputs) in env.resources.items()
                          if t == "aws:sagemaker/pipeline:Pipeline" and address == f"pipeline.{name}"), None)

    def by(self, step: str) -> str:
        return f"step {step} of {self.env.name}'s pipeline {self.name}"

    def value(self, expr: Any) -> Value:
        if isinstance(expr, str):
            return Value(expr)
        if isinstance(expr, (int, float)):
            return Value(str(expr))
        if "Get" in expr:
            return self._get(expr["Get"])
        if "Std:Join" in expr:
            parts = [self.value(v) for v in expr["Std:Join"]["Values"]]
            located = [p for p in parts if p.by]
            text = expr["Std:Join"].get("On", "").join(p.text for p in parts)
            if not located:
                return Value(text)
            return Value(text, located[0].key, located[0].by, located[0].obj and parts[-1] is located[0])
        if "Std:JsonGet" in expr:
            return Value("0")
        raise ValueError(f"{self.env.name}/{self.name}: no concrete value for the expression {expr}")

    def values(self, expr: Any) -> list[Value]:
        """Every value the expression may take (a served version's baseline: each register step's)."""
        value = self.value(expr)
        return [value, *value.also]

    def _get(self, path: str) -> Value:
        if path == "Execution.PipelineExecutionId":
            return Value(EXECUTION)
        if path == "Execution.PipelineName":
            return Value(self.full_name)
        if path.startswith("Parameters."):
            return Value(str(self.parameters[path.split(".", 1)[1]]))
        output, model, parameter = _OUTPUT.match(path), _MODEL.match(path), _PARAMETER.match(path)
        if parameter:
            from .functions import output_parameter

            return output_parameter(self, self.steps[parameter.group(1)], parameter.group(2))
        if output:
            step = self.steps[output.group(1)]["Arguments"]
            config = step["ProcessingOutputConfig"]
            chosen = next(o for o in config["Outputs"] if o["OutputName"] == output.group(2))
            uri = self.value(chosen["S3Output"]["S3Uri"]).text
            return Value(uri, key_arn(self.found, self.env, config.get("KmsKeyId")), self.by(output.group(1)))
        if model:
            config = self.steps[model.group(1)]["Arguments"]["OutputDataConfig"]
            base = self.value(config["S3OutputPath"]).text.rstrip("/")
            return Value(f"{base}/{job_name(model.group(1))}/output/model.tar.gz",
                         key_arn(self.found, self.env, config.get("KmsKeyId")), self.by(model.group(1)), obj=True)
        raise ValueError(f"{self.env.name}/{self.name}: no concrete value for {{'Get': {path!r}}}")


def pipeline_accesses(found: System, env: Env) -> list[Access]:
    out: list[Access] = []
    for name in env.definitions:
        run = Execution(found, env, name)
        if run.role is None:
            continue
        out += assumes(env, "sagemaker", run.role, f"{env.name} runs pipeline {name}", run.arn)
        for step in run.steps.values():
            out += step_accesses(run, step)
    return out


def step_accesses(run: Execution, step: dict) -> list[Access]:
    env, found, args, name = run.env, run.found, step["Arguments"], step["Name"]
    why = f"{env.name} pipeline {run.name} step {name}"
    out: list[Access] = []
    kind = step["Type"]
    if kind in JOBS:
        resource, log_group = JOBS[kind]
        job = job_name(name)
        job_arn = f"arn:{env.partition}:sagemaker:{env.region}:{env.account}:{resource}/{job}"
        # The request carries the step's Tags (aws:RequestTag/…); SageMaker Pipelines then follows the job it
        # created (Describe…, on the job's tags: aws:ResourceTag/…)
        tagged = {f"aws:RequestTag/{t['Key']}": t["Value"] for t in args.get("Tags", [])}
        out.append(Access(run.role, f"sagemaker:Create{kind}Job", job_arn, tagged, why, env.name))
        if args.get("Tags"):
            out.append(Access(run.role, "sagemaker:AddTags", job_arn, tagged, why, env.name))
        out.append(Access(run.role, f"sagemaker:Describe{kind}Job", job_arn,
                          {f"aws:ResourceTag/{t['Key']}": t["Value"] for t in args.get("Tags", [])}, why, env.name))
        job_role = args.get("RoleArn") or _model_role(env, args.get("ModelName"))
        if args.get("RoleArn"):
            out += passes_role(env, run.role, args["RoleArn"], why)
            out += assumes(env, "sagemaker", args["RoleArn"], why, job_arn)
        if job_role:
            out += logs(env, job_role, f"/aws/sagemaker/{log_group}", f"{job}/algo-1", why)
        resources = args.get("ProcessingResources", {}).get("ClusterConfig") or args.get("ResourceConfig") \
            or args.get("TransformResources") or {}
        out += volume_grant(found, env, run.role, resources.get("VolumeKmsKeyId"), why)
    if kind == "Processing":
        out += _processing(run, step, why)
    elif kind == "Training":
        out += _training(run, step, why)
    elif kind == "Transform":
        out += _transform(run, step, why)
    elif kind == "RegisterModel":
        out += _register(run, step, why)
    elif kind == "Lambda":
        from .functions import lambda_step

        out += lambda_step(run, step, why)
    return out


def _processing(run: Execution, step: dict, why: str) -> list[Access]:
    env, args, role = run.env, step["Arguments"], step["Arguments"]["RoleArn"]
    out = pulls(env, role, args["AppSpecification"]["ImageUri"], why)
    for item in args.get("ProcessingInputs", []):
        out += job_reads(run, role, item["S3Input"], f"{why} reads input {item['InputName']}")
    config = args.get("ProcessingOutputConfig", {})
    for item in config.get("Outputs", []):
        where = run.value(item["S3Output"]["S3Uri"])
        out += writes(env, role, where, f"{why} writes output {item['OutputName']}",
                      key=key_arn(run.found, env, config.get("KmsKeyId")))
    for prop in step.get("PropertyFiles", []):  # the pipeline itself reads them, to evaluate conditions
        output = next(o for o in config["Outputs"] if o["OutputName"] == prop["OutputName"])
        where = run.value(output["S3Output"]["S3Uri"])
        report = Value(f"{where.text.rstrip('/')}/{prop['FilePath']}", key_arn(run.found, env, config.get("KmsKeyId")),
                       run.by(step["Name"]), obj=True)
        out += reads(run.found, env, run.role, report, f"{env.name} pipeline {run.name} reads property file "
                     f"{prop['PropertyFileName']} at {report.text}")
    return out


def _training(run: Execution, step: dict, why: str) -> list[Access]:
    env, args, role = run.env, step["Arguments"], step["Arguments"]["RoleArn"]
    out = pulls(env, role, args["AlgorithmSpecification"]["TrainingImage"], why)
    for channel in args.get("InputDataConfig", []):
        out += job_reads(run, role, channel["DataSource"]["S3DataSource"], f"{why} reads channel {channel['ChannelName']}")
    model = run.value({"Get": f"Steps.{step['Name']}.ModelArtifacts.S3ModelArtifacts"})
    out += writes(env, role, model, f"{why} writes model.tar.gz at {model.text}", key=model.key)
    if "CheckpointConfig" in args:
        where = run.value(args["CheckpointConfig"]["S3Uri"])
        out += writes(env, role, where, f"{why} writes checkpoints", name="checkpoint-1.ckpt")
        out += reads(run.found, env, role, where, f"{why} resumes from checkpoints")
    return out


def _transform(run: Execution, step: dict, why: str) -> list[Access]:
    env, args = run.env, step["Arguments"]
    role = _model_role(env, args["ModelName"])
    if role is None:
        return []
    out = job_reads(run, role, args["TransformInput"]["DataSource"]["S3DataSource"], f"{why} reads its input")
    output = args["TransformOutput"]
    out += writes(env, role, run.value(output["S3OutputPath"]), f"{why} writes its output", name="part-00000.out",
                  key=key_arn(run.found, env, output.get("KmsKeyId")))
    return out


def job_reads(run: Execution, role: str, source: dict, why: str) -> list[Access]:
    """A job's S3 input (an S3Input or S3DataSource): every value its S3Uri may take, listed when an S3Prefix,
    and for a ManifestFile the manifest and each object it lists."""
    out: list[Access] = []
    kind = source.get("S3DataType", "S3Prefix")
    for where in run.values(source["S3Uri"]):
        out += reads(run.found, run.env, role, where, _from(why, where), where.kind, listed=kind == "S3Prefix")
        for listed in where.lists if kind == "ManifestFile" else ():
            writer = f", written by {listed.by}" if listed.by else ""
            out += reads(run.found, run.env, role, listed, f"{why} at {listed.text} (listed by its manifest{writer})",
                         listed.kind)
    return out


def _register(run: Execution, step: dict, why: str) -> list[Access]:
    env, args = run.env, step["Arguments"]
    arn = package_arn(run.found, env, args["ModelPackageGroupName"], "1")
    context = {"sagemaker:ModelApprovalStatus": args.get("ModelApprovalStatus", "")}
    return [Access(run.role, "sagemaker:CreateModelPackage", arn, context, f"{why} registers a version of "
                   f"{args['ModelPackageGroupName']}", env.name)]


def package_arn(found: System, env: Env, group: str, version: str) -> str:
    """A version's ARN: in the account and region of the env that owns the group (the caller's when none does)."""
    if group.startswith("arn:"):
        return f"{group.replace(':model-package-group/', ':model-package/')}/{version}"
    owner = found.groups.get(group)
    prefix = owner.arn.split(":model-package-group/")[0] if owner else \
        f"arn:{env.partition}:sagemaker:{env.region}:{env.account}"
    return f"{prefix}:model-package/{group}/{version}"


def registrations(found: System, group: str) -> list[tuple[Execution, dict]]:
    """Every register step into `group`: the owner env's first, then the other envs' in `environments` order."""
    owner = found.groups[group].env if group in found.groups else None
    envs = sorted(found.envs.values(), key=lambda e: e.name != owner)
    out = []
    for env in envs:
        for name in env.definitions:
            run = Execution(found, env, name)
            for step in run.steps.values():
                target = step["Arguments"].get("ModelPackageGroupName", "") if step["Type"] == "RegisterModel" else ""
                if target and target.rsplit("/", 1)[-1] == group:
                    out.append((run, step))
    return out


def _model_role(env: Env, model_name: str | None) -> str | None:
    for _, inputs in env.of_type("aws:sagemaker/model:Model"):
        if inputs.get("name") == model_name:
            return inputs["execution_role_arn"]
    return None


def _from(why: str, where: Value) -> str:
    return f"{why} at {where.text}" + (f" (written by {where.by})" if where.by else "")
