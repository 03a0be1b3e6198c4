"""Operating a deployed env with boto3: `mlopsc run` (pipeline executions) and `mlopsc status`.

Their boto3 clients and error paragraphs come from mlopsc/aws.py.

names.py   the AWS names of an env's pipelines, endpoints, registry groups and alarms, from its manifest
run.py     start a pipeline execution and follow it
status.py  endpoints, recent executions, alarms in ALARM, packages pending approval
"""
