"""A small spec valid for `dev` with a processing step, a training step, an endpoint and a batch job,
each with an `environment`, for the secrets tests to seed with credentials and secret references."""

from __future__ import annotations

BASE = """\
version: 1
project:
  name: churn
  region: eu-west-1
  tags: {team: growth}
environments: [dev, prod]
pipelines:
  train:
    parameters:
      input_uri: s3://acme-raw/churn/
    steps:
      - name: prepare
        type: processing
        image: sklearn:1.2-1
        instance: ml.m5.xlarge
        arguments: ["--window-days", "90"]
        environment:
          MODE: fast
      - name: fit
        type: training
        image: xgboost:1.7-1
        instance: ml.m5.xlarge
        hyperparameters: {num_round: 200}
        environment:
          MODE: fast
endpoints:
  churn:
    image: xgboost:1.7-1
    model_data: s3://acme-ml/model.tar.gz
    instance: ml.m5.large
    environment:
      MODE: fast
batch:
  nightly:
    image: xgboost:1.7-1
    model_data: s3://acme-ml/model.tar.gz
    instance: ml.m5.xlarge
    input: s3://acme-raw/customers/
    output: s3://acme-ml/scores/
    environment:
      MODE: fast
"""

# Anchors: the line each `environment`'s first value sits on, per owner.
STEP_ENV = "          MODE: fast\n      - name: fit"
TRAIN_ENV = "          MODE: fast\nendpoints:"
ENDPOINT_ENV = "      MODE: fast\nbatch:"
BATCH_ENV = "      MODE: fast\n"  # the last one: replaced from the end


def edit(text: str, old: str, new: str, last: bool = False) -> str:
    assert old in text, old
    if last:
        head, _, tail = text.rpartition(old)
        return head + new + tail
    return text.replace(old, new, 1)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)
