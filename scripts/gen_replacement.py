"""Regenerate src/mlopsc/data/replacement.json: which input changes replace each resource mlopsc emits.

pulumi-aws is bridged from the Terraform AWS provider (`ForceNew: true` is a replace in Pulumi too);
pulumi-aws-native marks `replace_on_changes=[...]` in each class. Two steps, so that a fresh clone
(and a test) re-derives the table without the Terraform sources:

  python scripts/gen_replacement.py --terraform GIT_DIR_OR_CHECKOUT [--ref REF] [--repository NAME]
      reads the provider's schema Go files (scripts/terraform_schema.py: SDK and plugin-framework resources) and
      writes the fact set tests/reference/terraform-forcenew.json (per resource: its file's git blob id, the
      attribute paths that force a replace, the arguments that update);
  python scripts/gen_replacement.py
      derives the table from that fact set, tests/reference/terraform-later.json (arguments mlopsc emits that
      the provider gained after the fact set's commit, each verdict with its source; a test keeps every
      emitted argument in one of the two) and the installed pulumi_aws_native.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import pathlib
import re
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from terraform_schema import UNFORCED, Source, blob_id, constants, schema_attributes  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "mlopsc" / "data" / "replacement.json"
FACTS = ROOT / "tests" / "reference" / "terraform-forcenew.json"
# Arguments mlopsc emits that the provider gained after FACTS' commit, each with where its verdict comes from.
LATER = ROOT / "tests" / "reference" / "terraform-later.json"
ALL = "*"
# pulumi-aws type token -> its Terraform resource (pulumi-aws provider/resources.go).
TERRAFORM = {
    "aws:appautoscaling/policy:Policy": "aws_appautoscaling_policy",
    "aws:appautoscaling/target:Target": "aws_appautoscaling_target",
    "aws:budgets/budget:Budget": "aws_budgets_budget",
    "aws:cloudwatch/eventPermission:EventPermission": "aws_cloudwatch_event_permission",
    "aws:cloudwatch/eventRule:EventRule": "aws_cloudwatch_event_rule",
    "aws:cloudwatch/eventTarget:EventTarget": "aws_cloudwatch_event_target",
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:costexplorer/costAllocationTag:CostAllocationTag": "aws_ce_cost_allocation_tag",
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "aws_s3_bucket_lifecycle_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "aws_s3_bucket_server_side_encryption_configuration",
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": "aws_sagemaker_data_quality_job_definition",
    "aws:sagemaker/endpoint:Endpoint": "aws_sagemaker_endpoint",
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": "aws_sagemaker_endpoint_configuration",
    "aws:sagemaker/model:Model": "aws_sagemaker_model",
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": "aws_sagemaker_model_package_group",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "aws_sagemaker_model_package_group_policy",
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": "aws_sagemaker_monitoring_schedule",
    "aws:sagemaker/pipeline:Pipeline": "aws_sagemaker_pipeline",
    "aws:scheduler/schedule:Schedule": "aws_scheduler_schedule",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicPolicy:TopicPolicy": "aws_sns_topic_policy",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
}
# Inputs pulumi-aws names differently from the Terraform attribute (resources.go `Fields` overrides).
RENAMED = {"aws_lambda_function": {"function_name": "name", "filename": "code"},
           "aws_cloudwatch_metric_alarm": {"alarm_name": "name"}, "aws_sns_topic_subscription": {"topic_arn": "topic"}}


def pulumi_forms(attribute: str) -> set[str]:
    """The names pulumi-aws may give a Terraform attribute: the bridge pluralizes a list or set block that may hold
    more than one item (`notification` -> `notifications`, `metric_query` -> `metric_queries`)."""
    plural = attribute[:-1] + "ies" if attribute.endswith("y") else attribute + ("es" if attribute.endswith("s") else "s")
    return {attribute, plural}
NATIVE = ("aws-native:sagemaker:ModelQualityJobDefinition", "aws-native:sagemaker:MonitoringSchedule")
# A provider whose region changes is replaced, and every resource it manages with it (plan/diff.py).
PROVIDERS = {"pulumi:providers:aws": "pulumi-aws provider: a region change replaces the provider",
             "pulumi:providers:aws-native": "pulumi-aws-native provider: a region change replaces the provider"}

def extract(source: Source, repository: str, resources: list[str] | None = None) -> dict:
    """The fact set of `resources` (every one TERRAFORM names by default) at the source's commit."""
    names = constants(source)
    found = {}
    for resource in sorted(resources or set(TERRAFORM.values())):
        try:
            file, text, attributes = schema_attributes(source, resource, names)
        except ValueError as exc:  # a schema written in a way the reader does not follow: say which
            raise SystemExit(f"{resource}: {exc}") from None
        forced = sorted(p for p, (force, _) in attributes.items() if force)
        arguments = [p for p, (_, argument) in attributes.items() if argument]
        leaves = [p for p in arguments if not any(q.startswith(p + ".") for q in arguments)]
        found[resource] = {
            "file": file, "blob": blob_id(text),
            "force_new": [p for p in forced if not any(p.startswith(q + ".") for q in forced)],
            "updates": sorted(p for p in leaves if not any(p == q or p.startswith(q + ".") for q in forced))}
    return {"repository": repository, "commit": source.commit, "resources": found}


# --- the table ---------------------------------------------------------------------------------
def snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def native_replaces(token: str) -> tuple[list[str], str]:
    """The paths an installed pulumi_aws_native resource class replaces on, read from its source."""
    _, module, cls = token.split(":")
    origin = importlib.util.find_spec("pulumi_aws_native").origin  # type: ignore[union-attr]
    path = pathlib.Path(origin).parent / module / f"{snake(cls)}.py"  # type: ignore[arg-type]
    listed = re.search(r"replace_on_changes=(\[.*?\])\)", path.read_text()).group(1)  # type: ignore[union-attr]
    paths = sorted({".".join(snake(part) for part in re.sub(r"\[[^\]]*\]", "", p).split("."))
                    for p in json.loads(listed)})
    return paths, f"pulumi_aws_native/{module}/{path.name} replace_on_changes"


def derive(facts: dict, later: dict | None = None) -> dict:
    version = importlib.metadata.version("pulumi_aws_native")
    later = json.loads(LATER.read_text())["resources"] if later is None else later
    types: dict[str, dict] = {t: {"replaces": ["region"], "source": s} for t, s in PROVIDERS.items()}
    for token, resource in sorted(TERRAFORM.items()):
        fact, renamed = facts["resources"][resource], RENAMED.get(resource, {})
        everything = set(fact["updates"]) <= set(UNFORCED)  # every argument but tags replaces
        forced = fact["force_new"] + [p for p, verdict in later.get(resource, {}).items() if verdict["force_new"]]
        paths = [ALL] if everything else sorted(
            ".".join([renamed.get(p.split(".")[0], p.split(".")[0])] + p.split(".")[1:]) for p in forced)
        types[token] = {"replaces": paths, "source": f"TF {fact['file']} ({resource})"}
    for token in NATIVE:
        paths, where = native_replaces(token)
        types[token] = {"replaces": paths, "source": f"aws-native {version} {where}"}
    return {"sources": {"terraform": {"repository": facts["repository"], "commit": facts["commit"]},
                        "aws-native": {"package": "pulumi_aws_native", "version": version}},
            "all": ALL, "unforced": list(UNFORCED), "types": dict(sorted(types.items()))}


def render(document: dict) -> str:
    return json.dumps(document, indent=1, sort_keys=True) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terraform", help="a terraform-provider-aws git directory or checkout")
    parser.add_argument("--ref", default="HEAD", help="the commit to read in a git directory")
    parser.add_argument("--repository", default="hashicorp/terraform-provider-aws")
    args = parser.parse_args()
    if args.terraform:
        FACTS.write_text(render(extract(Source(args.terraform, args.ref), args.repository)))
        print(f"wrote {FACTS.relative_to(ROOT)}")
    OUT.write_text(render(derive(json.loads(FACTS.read_text()))))
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
