"""What one env knows of the others: each valid env's account, region, execution role and the models it
serves or registers — what the registry env grants access to, and where every env finds the registry."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from mlopsc.graph import ACCOUNT
from mlopsc.resolve.naming import partition_of

ROLE_SUFFIX = "sagemaker"  # the generated execution role is <project>-<env>-sagemaker (resolve/names.py)
INFERENCE_SUFFIX = "inference"  # the generated role of models, <project>-<env>-inference
MONITOR_SUFFIX = "monitor"  # the generated role of monitoring jobs, <project>-<env>-monitor


@dataclass(frozen=True)
class Peer:
    env: str
    region: str
    account: str | None  # as the spec sets it; None: the account apply's credentials are in
    role_arn: str  # the execution role its pipelines and their jobs run as
    serves: frozenset[str]  # models its endpoints and batch jobs serve versions of
    registers: frozenset[str]  # models its register steps add versions to
    images: frozenset[tuple[str, str, str]] = frozenset()  # (model, image, instance type) its versions are served with
    retrains: frozenset[tuple[str, str]] = frozenset()  # (drift alarm ARN, pipeline) the registry env starts for it
    baselines: frozenset[str] = frozenset()  # models its register steps store a drift baseline with
    inference_role_arn: str = ""  # the role its models (endpoints, batch transform) run as
    monitor_role_arn: str = ""  # the role its monitoring jobs (Model Monitor, the drift job) run as

    @property
    def role_arns(self) -> tuple[str, ...]:
        """Every role of the env that reads what the registry stores (models; drift baselines)."""
        return tuple(sorted({self.role_arn, self.inference_role_arn, self.monitor_role_arn} - {""}))

    @property
    def principal_account(self) -> str:
        return self.account or ACCOUNT


def peer_of(env: str, spec) -> Peer:
    project = spec.project
    account = project.account or ACCOUNT
    role = spec.security.role
    roles = f"arn:{partition_of(project.region)}:iam::{account}:role/{project.name}-{env}"
    role_arn = role if role != "generated" else f"{roles}-{ROLE_SUFFIX}"
    inference_role_arn = role if role != "generated" else f"{roles}-{INFERENCE_SUFFIX}"
    monitor_role_arn = "" if not any(e.monitoring for e in spec.endpoints.values()) else (
        role if role != "generated" else f"{roles}-{MONITOR_SUFFIX}")
    serves = {item.model for section in (spec.endpoints, spec.batch) for item in section.values() if item.model}
    from mlopsc.resolve.uses import step_instance

    steps = [s for p in spec.pipelines.values() for s in p.steps if s.type == "register"]
    images = {(s.model, s.image, step_instance(s)) for s in steps}
    return Peer(env, project.region, project.account, role_arn, frozenset(serves), frozenset(s.model for s in steps),
                frozenset(images), frozenset(_retrains(env, spec, account)),
                frozenset(s.model for s in steps if s.baseline), inference_role_arn, monitor_role_arn)


def _retrains(env: str, spec, account: str) -> set[tuple[str, str]]:
    """The drift alarms whose pipeline runs in the registry env, not here: that env's stack starts it."""
    from mlopsc.resolve.monitors import alarm_arn
    from mlopsc.resolve.names import env_names

    names = None
    found = set()
    for name, endpoint in spec.endpoints.items():
        on_drift = endpoint.monitoring.on_drift if endpoint.monitoring else None
        if on_drift is None or not on_drift.retrain or on_drift.retrain in spec.pipelines:
            continue
        names = names or env_names(spec, env, account)
        arn = alarm_arn(partition_of(spec.project.region), spec.project.region, account, names[("alarm", name, "drift")])
        found.add((arn, on_drift.retrain))
    return found


def peers_of(specs: Mapping[str, object]) -> Mapping[str, Peer]:
    """env -> Peer for every env that validated."""
    return MappingProxyType({env: peer_of(env, spec) for env, spec in specs.items()})
