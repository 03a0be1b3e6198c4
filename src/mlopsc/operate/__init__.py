"""Operating a deployed env with boto3: `mlopsc run` (pipeline executions), `mlopsc status` and `mlopsc audit`.

Their boto3 clients and error paragraphs come from mlopsc/aws.py.

names.py   the AWS names of an env's pipelines, endpoints, registry groups and alarms, from its manifest
run.py     start a pipeline execution and follow it
status.py  endpoints, recent executions, alarms in ALARM, packages pending approval, and monitoring
           (monitoring.py: each monitored endpoint's alarm, last run, metrics and baseline;
           monitoring_render.py: its text)
audit.py   what each endpoint and batch job serves and its lineage (lineage.py: the registry's and
           SageMaker's facts; audit_render.py: text and JSON)
"""
