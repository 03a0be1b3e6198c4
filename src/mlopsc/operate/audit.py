"""`mlopsc audit`: per endpoint and batch job of an env, the version it serves and what made that version.

The spec says what should be served; the env's last deployment record (state/deployments.py) says
what the last apply deployed; when the two differ, both are shown. For each package version the
registry (DescribeModelPackage) tells its approval, who registered it, the pipeline execution and
spec commit that produced it, and its lineage metadata (compile/definitions/register.py); the
training job (DescribeTrainingJob) its input data, image, instances and times. The deployment
history lists the records where what the endpoint or job serves changed. Each version's facts hold
its registered data-quality baseline (`drift_baseline`: DriftCheckBaselines' statistics and
constraints URIs, None when not registered), and each endpoint item says how it is monitored
(`monitoring`: None without `monitoring`, else {engine, baseline ("registry", an s3:// folder, or
None: model quality only), version, statistics, constraints (the baseline in use: the spec's
version's registered one, or the folder's files), problem (a version not in the registry, or one
registered without a baseline, which fails each run of the drift job)}). The report is JSON-ready
data (`audit_version` 1; the shape is documented in docs/guide.md); audit_render.py renders it.
"""

from __future__ import annotations

from typing import Callable

from mlopsc.graph import ACCOUNT
from mlopsc.operate.lineage import group_of, package, training_job, version_of

AUDIT_VERSION = 1


def targets(env_spec) -> list[dict]:
    """What the spec serves: per endpoint and batch job, its manifest address and AWS name, its model and
    version (and package ARN, `${aws:accountId}` unfilled) or its model_data."""
    resolved, spec = env_spec.resolved, env_spec.spec
    endpoints, pipelines = resolved.names.of("endpoint"), resolved.names.of("pipeline")
    found = []
    for kind, section, address, aws_name in (
            [("endpoint", spec.endpoints, lambda n: f"model.{n}", lambda n: endpoints.get(n))] +
            [("batch", spec.batch, lambda n: f"model.batch-{n}", lambda n: pipelines.get(f"batch-{n}"))]):
        for name, item in sorted(section.items()):
            arn = resolved.registry.package_arn(item.model, item.version) if item.model and item.version else None
            found.append({"kind": kind, "name": name, "resource": address(name), "aws_name": aws_name(name),
                          "in_spec": True, "model": item.model, "version": item.version, "package_arn": arn,
                          "model_data": None if item.model else item.model_data})
    return found


def history_of(records: list[dict], address: str, fill: Callable[[str | None], str | None]) -> list[dict]:
    """The records where what address serves changed (oldest first); `serves` None: it was removed."""
    changes, last, seen = [], None, False
    for record in records:
        serving = record.get("serving") or {}
        if address not in serving and not seen:
            continue
        value = fill(serving.get(address))
        if seen and value == last:
            continue
        seen, last = True, value
        changes.append({"deployed_at": record.get("deployed_at"), "serves": value, "version": version_of(value),
                        "commit": record.get("commit"), "dirty": record.get("dirty"), "by": record.get("by"),
                        "manifest_sha256": record.get("manifest_sha256")})
    return changes


def served(value: str | None, model: str | None, version: int | None = None) -> dict | None:
    """What one side (the spec, or the last record) serves: a registry version or model data."""
    if value is None:
        return None
    if value.startswith("arn:"):
        return {"source": "registry", "model": model, "version": version or version_of(value), "package_arn": value,
                "model_data": None, "package": None}
    return {"source": "model_data", "model": None, "version": None, "package_arn": None, "model_data": value,
            "package": None}


def monitoring_of(monitor, side: dict | None, env: str) -> dict | None:
    """How an endpoint is monitored and the baseline in use (side: the spec's, whose version monitoring judges)."""
    from mlopsc.operate.monitoring import registry_problem

    if monitor is None:
        return None
    found = {"engine": monitor.engine, "baseline": monitor.baseline, "version": None, "statistics": None,
             "constraints": None, "problem": None}
    if monitor.baseline is None:
        return found
    if monitor.baseline != "registry":
        folder = monitor.baseline.rstrip("/")
        return found | {"statistics": f"{folder}/statistics.json", "constraints": f"{folder}/constraints.json"}
    facts = (side or {}).get("package") or {}
    found["version"] = (side or {}).get("version")
    if facts:
        found.update(facts["drift_baseline"])
        found["problem"] = registry_problem(found["version"], facts["exists"], facts["drift_baseline"],
                                            monitor.engine, env)
    return found


def read(env_spec, client: Callable | None = None) -> dict:
    """The audit report of env_spec's env; AwsError (MLC28x) when AWS cannot answer, StateError (MLC404)
    when the deployment history cannot be read."""
    from botocore.exceptions import BotoCoreError, ClientError

    from mlopsc import aws

    resolved = env_spec.resolved
    try:
        return collect(env_spec, client or aws.client)
    except (ClientError, BotoCoreError) as err:
        raise aws.explain(err, f"audit {resolved.project}-{resolved.env}", "sagemaker") from None


def deployment_records(env_spec, notes: list[str]) -> tuple[list[dict], str | None]:
    """The env's deployment records (oldest first) and where they are kept; none for Pulumi Cloud."""
    from mlopsc.state.store import StateError, StateStore

    spec = env_spec.spec
    try:
        store = StateStore.for_env(env_spec.base_dir, spec.state.backend, spec.project.name, env_spec.env)
    except StateError as err:
        notes.append(f"no deployment history: {err}")
        return [], None
    records = store.deployments(notes.append)
    if not records:
        notes.append(f"no deployment record in {store.deployments_location}: this env was not applied by an mlopsc "
                     "that records deployments, so only the spec says what is served")
    return records, store.deployments_location


def collect(env_spec, client: Callable) -> dict:
    """The report; botocore errors propagate."""
    resolved = env_spec.resolved
    notes: list[str] = []
    records, location = deployment_records(env_spec, notes)
    last = records[-1] if records else None
    wanted = targets(env_spec)
    known = {t["resource"] for t in wanted}
    for address in sorted(set((last or {}).get("serving") or {}) - known):  # deployed, gone from the spec
        batch = address.startswith("model.batch-")
        wanted.append({"kind": "batch" if batch else "endpoint", "resource": address, "aws_name": None,
                       "in_spec": False,
                       "name": address.removeprefix("model.batch-" if batch else "model."), "model": None,
                       "version": None, "package_arn": None, "model_data": None})

    sm = client("sagemaker", resolved.region)
    account: list[str] = []

    def fill(value: str | None) -> str | None:
        if value is None or ACCOUNT not in value:
            return value
        if not account:
            from mlopsc.aws import caller_account

            account.append(caller_account(resolved.region))
        return value.replace(ACCOUNT, account[0])

    packages: dict[str, dict] = {}
    jobs: dict[str, dict] = {}

    def describe(side: dict | None) -> dict | None:
        if side is None or side["package_arn"] is None:
            return side
        arn = side["package_arn"]
        if arn not in packages:
            facts = package(sm, arn)
            name = facts.pop("training_job_name")
            if name and name not in jobs:
                jobs[name] = training_job(sm, name)
                if not jobs[name]["exists"] and not resolved.registry.same_account:
                    notes.append(f"training job {name} not found with these credentials: it ran in the account of "
                                 f"the registry env `{resolved.registry.env}`; audit with its credentials to see it")
            facts["training_job"] = jobs[name] if name else None
            packages[arn] = facts
        side["package"] = packages[arn]
        return side

    items = []
    for target in wanted:
        address = target["resource"]
        spec_side = describe(served(fill(target["package_arn"]) or target["model_data"], target["model"],
                                    target["version"])) if target["package_arn"] or target["model_data"] else None
        deployed_value = fill(((last or {}).get("serving") or {}).get(address)) if last else None
        history = history_of(records, address, fill)
        deployed_side = None
        if last is not None and address in (last.get("serving") or {}):
            same_group = target["model"] and group_of(deployed_value) == resolved.registry.groups.get(target["model"])
            deployed_side = describe(served(deployed_value, target["model"] if same_group else None))
        spec_value = None if spec_side is None else (spec_side["package_arn"] or spec_side["model_data"])
        monitor = resolved.monitors.get(target["name"]) if target["kind"] == "endpoint" and target["in_spec"] else None
        items.append({
            "kind": target["kind"], "name": target["name"], "resource": address, "aws_name": target["aws_name"],
            "in_spec": target["in_spec"], "monitoring": monitoring_of(monitor, spec_side, resolved.env),
            "spec": spec_side, "deployed": deployed_side,
            "deployed_at": history[-1]["deployed_at"] if history and history[-1]["serves"] is not None else None,
            "differs": last is not None and deployed_value != spec_value,
            "history": history})
    return {"audit_version": AUDIT_VERSION, "project": resolved.project, "env": resolved.env,
            "region": resolved.region, "registry_env": resolved.registry.env, "history_location": location,
            "deployments": len(records), "last_deployment": None if last is None else {
                key: last.get(key) for key in ("deployed_at", "commit", "dirty", "by", "manifest_sha256")},
            "serving": items, "notes": notes}
