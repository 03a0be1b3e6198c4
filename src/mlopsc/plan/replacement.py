"""Which input changes force a replacement (delete + create) instead of an in-place update.

pulumi-aws is bridged from the Terraform AWS provider: an input whose Terraform schema says
`ForceNew: true` is a replace in Pulumi too. aws-native follows CloudFormation's resource
schemas, where `createOnlyProperties` ("Update requires: Replacement") play that part. The
table holds, for every type token mlopsc emits (tests/plan/test_replacement.py fails when
compile emits a token missing here), the input paths (snake_case, list selectors dropped)
whose change forces a replacement; a path covers everything beneath it. ALL means every input
except tags. Sources, read for this table:

  TF   hashicorp/terraform-provider-aws, internal/service/<service>/<resource>.go (schema
       ForceNew flags) and website/docs/r/<resource>.html.markdown ("forces new resource")
  CFN  AWS CloudFormation resource reference, "Update requires: Replacement"
"""

from __future__ import annotations

from mlopsc.plan.paths import covers, schema_path, top_key

ALL = "*"
NEVER_FORCE = frozenset({"tags", "tags_all"})

# type token -> (paths that force a replacement, source)
FORCE_NEW: dict[str, tuple[frozenset[str], str]] = {
    # Providers: pulumi-aws and aws-native mark `region` as a replace of the provider, and a
    # resource cannot move between regions, so every resource the provider manages is replaced
    # with it (diff.py propagates that). Other provider inputs would be updates.
    "pulumi:providers:aws": (frozenset({"region"}), "pulumi-aws provider config: region replaces the provider"),
    "pulumi:providers:aws-native": (frozenset({"region"}), "pulumi-aws-native provider config: region"),
    # TF internal/service/kms/key.go: customer_master_key_spec, key_usage, multi_region,
    # custom_key_store_id, xks_key_id, bypass_policy_lockout_safety_check is not (ForceNew list).
    "aws:kms/key:Key": (frozenset({"customer_master_key_spec", "key_usage", "key_spec", "multi_region",
                                   "custom_key_store_id", "xks_key_id"}), "TF kms/key.go"),
    # TF kms/alias.go: name, name_prefix ForceNew; target_key_id updates in place.
    "aws:kms/alias:Alias": (frozenset({"name", "name_prefix"}), "TF kms/alias.go"),
    # TF s3/bucket.go: bucket, bucket_prefix, object_lock_enabled ForceNew.
    "aws:s3/bucket:Bucket": (frozenset({"bucket", "bucket_prefix", "object_lock_enabled"}), "TF s3/bucket.go"),
    # TF s3/bucket_*.go sub-resources: bucket and expected_bucket_owner ForceNew.
    "aws:s3/bucketVersioning:BucketVersioning": (frozenset({"bucket", "expected_bucket_owner"}), "TF s3/bucket_versioning.go"),
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        (frozenset({"bucket", "expected_bucket_owner"}), "TF s3/bucket_server_side_encryption_configuration.go"),
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": (frozenset({"bucket"}), "TF s3/bucket_public_access_block.go"),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": (frozenset({"bucket"}), "TF s3/bucket_ownership_controls.go"),
    "aws:s3/bucketPolicy:BucketPolicy": (frozenset({"bucket"}), "TF s3/bucket_policy.go"),
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration":
        (frozenset({"bucket", "expected_bucket_owner"}), "TF s3/bucket_lifecycle_configuration.go"),
    # TF s3/object.go (aws_s3_object = BucketObjectv2): bucket, key ForceNew; content, source,
    # kms_key_id, content_type, tags update in place (PutObject).
    "aws:s3/bucketObjectv2:BucketObjectv2": (frozenset({"bucket", "key"}), "TF s3/object.go"),
    # TF iam/role.go: name, name_prefix, path ForceNew.
    "aws:iam/role:Role": (frozenset({"name", "name_prefix", "path"}), "TF iam/role.go"),
    # TF iam/role_policy.go: name, name_prefix, role ForceNew.
    "aws:iam/rolePolicy:RolePolicy": (frozenset({"name", "name_prefix", "role"}), "TF iam/role_policy.go"),
    # TF sns/topic.go: name, name_prefix, fifo_topic ForceNew.
    "aws:sns/topic:Topic": (frozenset({"name", "name_prefix", "fifo_topic"}), "TF sns/topic.go"),
    # TF sns/topic_policy.go: arn ForceNew.
    "aws:sns/topicPolicy:TopicPolicy": (frozenset({"arn"}), "TF sns/topic_policy.go"),
    # TF sns/topic_subscription.go: protocol, endpoint, topic_arn (Pulumi input `topic`) ForceNew.
    "aws:sns/topicSubscription:TopicSubscription": (frozenset({"protocol", "endpoint", "topic", "topic_arn"}),
                                                    "TF sns/topic_subscription.go"),
    # TF sagemaker/model_package_group.go: model_package_group_name AND
    # model_package_group_description ForceNew (Update handles tags only).
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": (frozenset({"model_package_group_name",
                                                                     "model_package_group_description"}),
                                                          "TF sagemaker/model_package_group.go"),
    # TF sagemaker/model_package_group_policy.go: model_package_group_name ForceNew; resource_policy updatable.
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": (frozenset({"model_package_group_name"}),
                                                                      "TF sagemaker/model_package_group_policy.go"),
    # TF sagemaker/pipeline.go: pipeline_name ForceNew; definition, display name, description,
    # role_arn go through UpdatePipeline.
    "aws:sagemaker/pipeline:Pipeline": (frozenset({"pipeline_name"}), "TF sagemaker/pipeline.go"),
    # TF sagemaker/model.go: every argument ForceNew (Update handles tags only).
    "aws:sagemaker/model:Model": (frozenset({ALL}), "TF sagemaker/model.go"),
    # TF sagemaker/endpoint_configuration.go: every argument ForceNew (configs are immutable).
    "aws:sagemaker/endpointConfiguration:EndpointConfiguration": (frozenset({ALL}),
                                                                  "TF sagemaker/endpoint_configuration.go"),
    # TF sagemaker/endpoint.go: name ForceNew; endpoint_config_name and deployment_config go
    # through UpdateEndpoint -- except deployment_config.auto_rollback_configuration, which the
    # schema marks ForceNew: changing the rollback alarms replaces the endpoint.
    "aws:sagemaker/endpoint:Endpoint": (frozenset({"name", "deployment_config.auto_rollback_configuration"}),
                                        "TF sagemaker/endpoint.go"),
    # TF sagemaker/data_quality_job_definition.go: every argument ForceNew.
    "aws:sagemaker/dataQualityJobDefinition:DataQualityJobDefinition": (frozenset({ALL}),
                                                                        "TF sagemaker/data_quality_job_definition.go"),
    # TF sagemaker/monitoring_schedule.go: name ForceNew; monitoring_schedule_config updates.
    "aws:sagemaker/monitoringSchedule:MonitoringSchedule": (frozenset({"name"}), "TF sagemaker/monitoring_schedule.go"),
    # CFN AWS::SageMaker::ModelQualityJobDefinition: every property "Update requires: Replacement".
    "aws-native:sagemaker:ModelQualityJobDefinition": (frozenset({ALL}), "CFN AWS::SageMaker::ModelQualityJobDefinition"),
    # CFN AWS::SageMaker::MonitoringSchedule: MonitoringScheduleName createOnly; EndpointName,
    # MonitoringScheduleConfig "No interruption".
    "aws-native:sagemaker:MonitoringSchedule": (frozenset({"monitoring_schedule_name"}),
                                                "CFN AWS::SageMaker::MonitoringSchedule"),
    # TF scheduler/schedule.go: name, name_prefix, group_name ForceNew.
    "aws:scheduler/schedule:Schedule": (frozenset({"name", "name_prefix", "group_name"}), "TF scheduler/schedule.go"),
    # TF events/rule.go: name, name_prefix, event_bus_name ForceNew.
    "aws:cloudwatch/eventRule:EventRule": (frozenset({"name", "name_prefix", "event_bus_name"}), "TF events/rule.go"),
    # TF events/target.go: rule, target_id, event_bus_name ForceNew.
    "aws:cloudwatch/eventTarget:EventTarget": (frozenset({"rule", "target_id", "event_bus_name"}), "TF events/target.go"),
    # TF events/permission.go: event_bus_name, statement_id ForceNew (principal, action, condition update).
    "aws:cloudwatch/eventPermission:EventPermission": (frozenset({"event_bus_name", "statement_id"}),
                                                       "TF events/permission.go"),
    # TF logs/group.go: name, name_prefix, log_group_class ForceNew.
    "aws:cloudwatch/logGroup:LogGroup": (frozenset({"name", "name_prefix", "log_group_class"}), "TF logs/group.go"),
    # TF lambda/function.go: function_name (Pulumi input `name`), package_type ForceNew; code, role,
    # runtime, handler and the rest update in place.
    "aws:lambda/function:Function": (frozenset({"name", "package_type"}), "TF lambda/function.go"),
    # TF cloudwatch/metric_alarm.go: alarm_name (Pulumi input `name`) ForceNew.
    "aws:cloudwatch/metricAlarm:MetricAlarm": (frozenset({"name"}), "TF cloudwatch/metric_alarm.go"),
    # TF appautoscaling/target.go: resource_id, scalable_dimension, service_namespace ForceNew.
    "aws:appautoscaling/target:Target": (frozenset({"resource_id", "scalable_dimension", "service_namespace"}),
                                         "TF appautoscaling/target.go"),
    # TF appautoscaling/policy.go: name, resource_id, scalable_dimension, service_namespace ForceNew.
    "aws:appautoscaling/policy:Policy": (frozenset({"name", "resource_id", "scalable_dimension", "service_namespace"}),
                                         "TF appautoscaling/policy.go"),
    # TF budgets/budget.go: name, name_prefix, account_id ForceNew.
    "aws:budgets/budget:Budget": (frozenset({"name", "name_prefix", "account_id"}), "TF budgets/budget.go"),
    # TF ce/cost_allocation_tag.go: tag_key ForceNew; status updates.
    "aws:costexplorer/costAllocationTag:CostAllocationTag": (frozenset({"tag_key"}), "TF ce/cost_allocation_tag.go"),
}


def forcing_input(type_token: str, path: str) -> str | None:
    """The table entry a changed path falls under, or None when the change updates in place.

    An unknown type token forces nothing here: the plan then under-reports a replace rather
    than inventing one (a test keeps the table complete for what compile emits)."""
    if top_key(path) in NEVER_FORCE:
        return None
    entries = FORCE_NEW.get(type_token, (frozenset(), ""))[0]
    if ALL in entries:
        return top_key(path)
    plain = schema_path(path)
    for entry in sorted(entries):
        if covers(entry, plain):
            return entry
    return None


def source(type_token: str) -> str:
    return FORCE_NEW.get(type_token, (frozenset(), "unknown type"))[1]
