"""A 5,000-digit duration and rate, a 400-digit latency: a clean "too large", never Python's int-digit advice."""

DIGITS = "1" * 5000


def make(directory):
    (directory / "mlops.yaml").write_text(f"""\
version: 1
project:
  name: demo
  region: eu-west-1
environments: [dev, prod]
pipelines:
  train:
    schedule: rate({DIGITS} days)
    steps:
      - {{name: fit, type: training, image: "xgboost:1.7-1", instance: ml.m5.large, max_runtime: {DIGITS}s}}
endpoints:
  api:
    image: "xgboost:1.7-1"
    model_data: s3://models-bucket/model.tar.gz
    instance: ml.m5.large
    alarms: {{latency_p99: {"9" * 400}ms}}
""")
