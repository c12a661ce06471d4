"""AWS CDK app of the service (see infra/README.md). Imports nothing of ``service`` but its
settings module and the DynamoDB key design."""
