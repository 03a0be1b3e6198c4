"""Accesses of what serves models: Models (their artifacts and images), data capture, Model Monitor.

A Model's artifact is `model_data_url`, or for `model_package_name` (a registered version,
…:model-package/<group>/<version>, which must be found: sagemaker:DescribeModelPackage in the account
that owns the group) the `ModelDataUrl` a register step gives the version: every env
whose pipeline registers into that group may have made it, so each such register step's artifact
(the training step's model.tar.gz, in that env's bucket, under that env's key) is one read by the
serving env's execution role.
"""

from __future__ import annotations

from .accesses import SECURE, Access, Value, assumes, key_arn, logs, pulls, reads, volume_grant, writes
from .resolve import Env, System
from .steps import registrations

CAPTURE_OBJECT = "primary/2025/01/31/23/capture-0001.jsonl"  # <destination>/<endpoint>/<variant>/yyyy/mm/dd/hh/…
NAMESPACES = {"data_quality": "aws/sagemaker/Endpoints/data-metrics", "model_quality": "aws/sagemaker/Endpoints/model-metrics"}


def serving_accesses(found: System, env: Env) -> list[Access]:
    out: list[Access] = []
    for address, inputs in env.of_type("aws:sagemaker/model:Model"):
        out += model_accesses(found, env, inputs)
    out += capture_accesses(found, env)
    for kind in ("aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition",
                 "aws-native:sagemaker:ModelQualityJobDefinition"):
        for _, inputs in env.of_type(kind):
            out += monitor_accesses(found, env, inputs)
    return out


def users(env: Env, model_name: str) -> str:
    """What serves with a Model: `endpoint <name>` and/or `batch job <pipeline>`."""
    found = []
    configs = {inputs["name"] for _, inputs in env.of_type("aws:sagemaker/endpointConfiguration:EndpointConfiguration")
               if any(v.get("model_name") == model_name for v in inputs.get("production_variants", []))}
    found += [f"endpoint {inputs['name']}" for _, inputs in env.of_type("aws:sagemaker/endpoint:Endpoint")
              if inputs.get("endpoint_config_name") in configs]
    for name, definition in env.definitions.items():
        if any(s.get("Arguments", {}).get("ModelName") == model_name for s in definition["Steps"]):
            found.append(f"batch job {name}")
    return " and ".join(found) or f"model {model_name}"


def model_accesses(found: System, env: Env, inputs: dict) -> list[Access]:
    role, name = inputs["execution_role_arn"], inputs["name"]
    served = users(env, name)
    out = assumes(env, "sagemaker", role, f"{env.name} {served} runs model {name}")
    containers = [inputs["primary_container"]] if inputs.get("primary_container") else list(inputs.get("containers", []))
    for container in containers:
        if container.get("model_package_name"):
            out += _package(found, env, role, served, container["model_package_name"])
            continue
        why = f"{env.name} {served} loads {name}"
        out += pulls(env, role, container.get("image", ""), why)
        if container.get("model_data_url"):
            where = Value(container["model_data_url"], obj=True)
            out += reads(found, env, role, where, f"{why}: its artifact at {where.text}")
    return out


def _package(found: System, env: Env, role: str, served: str, arn: str) -> list[Access]:
    group, version = arn.split(":model-package/", 1)[1].rsplit("/", 1)
    owner = found.groups.get(group)
    # Creating the Model resolves the version (whoever creates it; the role that runs it stands in here): the
    # ARN must name a group the project has, in its owner's account and region, and that group must let it.
    out = [Access(role, "sagemaker:DescribeModelPackage", arn, {}, f"{env.name} serves {group} v{version} ({served}): "
                  f"the version {arn}", env.name, "package" if owner and owner.env == env.name else "promoted")]
    for run, step in registrations(found, group):
        container = step["Arguments"]["InferenceSpecification"]["Containers"][0]
        artifact = run.value(container["ModelDataUrl"])
        origin = "" if run.env.name == env.name else f", registered by {run.env.name}'s pipeline {run.name}"
        why = f"{env.name} serves {group} v{version} ({served}{origin}): model.tar.gz at {artifact.text}"
        kind = "promoted" if run.env.name != env.name else "package"
        out += reads(found, env, role, artifact, why, kind)
        out += [Access(a.who, a.action, a.resource_arn, a.context, a.why, a.env, kind)
                for a in pulls(env, role, container.get("Image", ""), f"{why} (its image)")]
    return out


def capture_accesses(found: System, env: Env) -> list[Access]:
    """Data capture: the endpoint's Model role writes each captured request under the destination."""
    out: list[Access] = []
    for endpoint, config in endpoints(env):
        capture = config.get("data_capture_config")
        role_by_model = {inputs["name"]: inputs["execution_role_arn"] for _, inputs in env.of_type("aws:sagemaker/model:Model")}
        for variant in config.get("production_variants", []):
            role = role_by_model.get(variant.get("model_name"))
            if role is None:
                continue
            why = f"{env.name} endpoint {endpoint}"
            out += logs(env, role, f"/aws/sagemaker/Endpoints/{endpoint}", f"{variant['variant_name']}/i-0", why)
            if capture and capture.get("enable_capture", True):
                where = Value(f"{capture['destination_s3_uri'].rstrip('/')}/{endpoint}/")
                out += writes(env, role, where, f"{why} captures data at {where.text}", name=CAPTURE_OBJECT,
                              key=key_arn(found, env, capture.get("kms_key_id")))
    return out


def endpoints(env: Env) -> list[tuple[str, dict]]:
    """(endpoint name, its endpoint configuration's inputs) for every endpoint of the env."""
    configs = {inputs["name"]: inputs for _, inputs in env.of_type("aws:sagemaker/endpointConfiguration:EndpointConfiguration")}
    return [(inputs["name"], configs[inputs["endpoint_config_name"]]) for _, inputs in env.of_type("aws:sagemaker/endpoint:Endpoint")
            if inputs.get("endpoint_config_name") in configs]


def monitor_accesses(found: System, env: Env, inputs: dict) -> list[Access]:
    """A Model Monitor job: reads captured data, baselines and ground truth; writes reports and metrics."""
    kind = "data_quality" if "data_quality_job_input" in inputs else "model_quality"
    role = inputs["role_arn"]
    name = inputs.get("name") or inputs.get("job_definition_name")
    why = f"{env.name} monitor {name}"
    out = assumes(env, "sagemaker", role, why)
    out += pulls(env, role, inputs[f"{kind}_app_specification"]["image_uri"], why)
    job_input = inputs[f"{kind}_job_input"]
    endpoint = job_input["endpoint_input"]["endpoint_name"]
    for name_, config in endpoints(env):
        capture = config.get("data_capture_config")
        if name_ == endpoint and capture:
            where = Value(f"{capture['destination_s3_uri'].rstrip('/')}/{endpoint}/",
                          key_arn(found, env, capture.get("kms_key_id")), f"{env.name} endpoint {endpoint}'s data capture")
            out += reads(found, env, role, where, f"{why} reads captured data at {where.text}")
    baseline = inputs.get(f"{kind}_baseline_config", {})
    for resource in ("constraints_resource", "statistics_resource"):
        if baseline.get(resource):
            where = Value(baseline[resource]["s3_uri"], obj=True)
            out += reads(found, env, role, where, f"{why} reads its baseline {where.text}")
    if job_input.get("ground_truth_s3_input"):
        where = Value(job_input["ground_truth_s3_input"]["s3_uri"])
        out += reads(found, env, role, where, f"{why} reads ground truth at {where.text}")
    config = inputs[f"{kind}_job_output_config"]
    outputs = config["monitoring_outputs"]
    for output in outputs if isinstance(outputs, list) else [outputs]:
        where = Value(output["s3_output"]["s3_uri"])
        out += writes(env, role, where, f"{why} writes reports at {where.text}", name="2025/01/31/23/constraint_violations.json",
                      key=key_arn(found, env, config.get("kms_key_id")))
    cluster = inputs.get("job_resources", {}).get("cluster_config", {})
    out += volume_grant(found, env, role, cluster.get("volume_kms_key_id"), why)
    out += logs(env, role, "/aws/sagemaker/ProcessingJobs", "model-monitoring-202501312300-0a1b2c3d/algo-1", why)
    out.append(Access(role, "cloudwatch:PutMetricData", "*", {**SECURE, "cloudwatch:namespace": NAMESPACES[kind]},
                      f"{why} publishes metrics", env.name))
    return out
