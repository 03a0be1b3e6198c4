"""Every policy rule, one per module, in id order: add a module and list its class here."""

from __future__ import annotations

from mlopsc.policy.rules.mlc310_redundant_endpoints import RedundantEndpoints
from mlopsc.policy.rules.mlc311_registry_version import RegistryVersion
from mlopsc.policy.rules.mlc312_rollback_alarms import RollbackAlarms
from mlopsc.policy.rules.mlc313_alerts_notify import AlertsNotify
from mlopsc.policy.rules.mlc314_env_budget import EnvBudget
from mlopsc.policy.rules.mlc315_monitoring_capture import MonitoringCapture
from mlopsc.policy.rules.mlc316_unencrypted import Unencrypted
from mlopsc.policy.rules.mlc317_aws_owned_keys import AwsOwnedKeys
from mlopsc.policy.rules.mlc318_iam_wildcards import IamWildcards
from mlopsc.policy.rules.mlc319_network_isolation import NetworkIsolation
from mlopsc.policy.rules.mlc320_schedule_runtime import ScheduleRuntime
from mlopsc.policy.rules.mlc321_auto_approval import AutoApproval
from mlopsc.policy.rules.mlc322_given_key_topics import GivenKeyTopics
from mlopsc.policy.rules.mlc323_aws_key_topics import AwsKeyTopics
from mlopsc.policy.rules.mlc324_cross_account_images import CrossAccountImages
from mlopsc.policy.rules.mlc325_model_monitor import ModelMonitor
from mlopsc.policy.rules.mlc326_registered_baseline import RegisteredBaseline
from mlopsc.policy.rules.mlc327_network_access import NetworkAccess
from mlopsc.policy.rules.mlc328_inter_container_encryption import InterContainerEncryption
from mlopsc.policy.rules.mlc329_env_scoped_jobs import EnvScopedJobs
from mlopsc.policy.rules.mlc330_service_trust import ServiceTrust
from mlopsc.policy.rules.mlc331_scoped_network_interfaces import ScopedNetworkInterfaces

RULES = (RedundantEndpoints(), RegistryVersion(), RollbackAlarms(), AlertsNotify(), EnvBudget(), MonitoringCapture(),
         Unencrypted(), AwsOwnedKeys(), IamWildcards(), NetworkIsolation(), ScheduleRuntime(), AutoApproval(),
         GivenKeyTopics(), AwsKeyTopics(), CrossAccountImages(), ModelMonitor(), RegisteredBaseline(),
         NetworkAccess(), InterContainerEncryption(), EnvScopedJobs(), ServiceTrust(), ScopedNetworkInterfaces())
