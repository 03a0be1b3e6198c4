"""Code mlopsc ships to run in AWS for `engine: drift-job`: the drift job (a SageMaker processing job)
and the Lambda function around it (capture window, baseline lookup, CloudWatch metrics)."""
