"""Operating a deployed env with boto3: `mlopsc run` (pipeline executions) and `mlopsc status`.

aws.py     every boto3 client mlopsc creates (MLOPSC_AWS_ENDPOINT_URL overrides the endpoint)
names.py   the AWS names of an env's pipelines, endpoints, registry groups and alarms, from its manifest
run.py     start a pipeline execution and follow it
status.py  endpoints, recent executions, alarms in ALARM, packages pending approval
"""
