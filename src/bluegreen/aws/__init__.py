"""The parts of the AWS provider: resource names, request builders, response readers, retries
and the DynamoDB state store. `bluegreen.aws.provider.AwsProvider` puts them together.
"""
