"""Data: the documents bucket (uploads under ``documents/``, LanceDB under ``lancedb/``), the
ingestion queue fed by the bucket's notifications, the DynamoDB tables, and the alarm topic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import deploy_config as dc
from infra.nag import acknowledge, acknowledge_wildcards
from infra.permissions import DOCUMENTS_PREFIX, LANCEDB_PREFIX, SharedArn
from service.adapters import dynamo_schema as schema

UPLOAD_CORS_MAX_AGE_S = 3000
ABORT_MULTIPART_AFTER_DAYS = 1


class DataStack(Stack):
    """Storage and messaging that outlive any function."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: dc.DeployConfig,
        web_origins: Sequence[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.alarm_topic = self._alarm_topic(config)
        self.bucket = self._bucket(web_origins)
        self.dlq, self.queue = self._queues(config)
        self.bucket.add_object_created_notification(
            s3n.SqsDestination(self.queue), s3.NotificationKeyFilter(prefix=DOCUMENTS_PREFIX)
        )
        self.bucket.add_object_removed_notification(
            s3n.SqsDestination(self.queue), s3.NotificationKeyFilter(prefix=DOCUMENTS_PREFIX)
        )
        self._acknowledge_notifications_handler()
        self.bucket_arn = SharedArn.share(self, self.bucket.bucket_arn, "DocumentsBucketArn")
        self.registry = table_from_schema(
            self, "Registry", schema.registry_table_definition("registry"), pitr=True
        )
        self.registry.apply_removal_policy(RemovalPolicy.RETAIN)
        self.connections = table_from_schema(
            self,
            "Connections",
            schema.connections_table_definition("connections"),
            ttl_attribute=schema.TTL_ATTR,
        )
        acknowledge(
            self.connections,
            "AwsSolutions-DDB3",
            "connection records and cancel flags live for hours at most (TTL); there is nothing "
            "worth restoring, so point-in-time recovery would only cost.",
        )
        # issue 15: conversations and feedback; TTL applies the retention, PITR guards the
        # feedback people gave (deleted items come back within 35 days, then TTL again)
        self.conversations = table_from_schema(
            self,
            "Conversations",
            schema.conversations_table_definition("conversations"),
            pitr=True,
            ttl_attribute=schema.TTL_ATTR,
        )
        self.conversations.apply_removal_policy(RemovalPolicy.RETAIN)
        CfnOutput(self, "ConversationsTableName", value=self.conversations.table_name)
        self._dlq_alarm()
        CfnOutput(self, "BucketName", value=self.bucket.bucket_name)
        CfnOutput(self, "IngestQueueUrl", value=self.queue.queue_url)
        CfnOutput(self, "RegistryTableName", value=self.registry.table_name)
        CfnOutput(self, "ConnectionsTableName", value=self.connections.table_name)

    @property
    def lancedb_uri(self) -> str:
        """The vector store's URI (the LanceDB port on AWS)."""
        return f"s3://{self.bucket.bucket_name}/{LANCEDB_PREFIX.rstrip('/')}"

    def _alarm_topic(self, config: dc.DeployConfig) -> sns.Topic:
        topic = sns.Topic(self, "Alarms", enforce_ssl=True)
        if config.alarm_email:
            topic.add_subscription(subscriptions.EmailSubscription(config.alarm_email))
        acknowledge(
            topic,
            "AwsSolutions-SNS2",
            "CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key, "
            "and alarm messages carry no document data; a customer key is not worth its cost.",
        )
        return topic

    def _bucket(self, web_origins: Sequence[str]) -> s3.Bucket:
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(90))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            access_logs,
            "AwsSolutions-S1",
            "this is the access-log bucket itself; logging it into itself would loop.",
        )
        # No versioning: a deleted document must really leave S3, and LanceDB's version cleanup
        # must really delete old fragments (DESIGN.md: deleted text is gone within a window).
        return s3.Bucket(
            self,
            "Documents",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="documents-bucket/",
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=list(web_origins),
                    allowed_headers=["*"],
                    max_age=UPLOAD_CORS_MAX_AGE_S,
                )
            ],
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="abandoned-multipart-uploads",
                    abort_incomplete_multipart_upload_after=Duration.days(
                        ABORT_MULTIPART_AFTER_DAYS
                    ),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _queues(self, config: dc.DeployConfig) -> tuple[sqs.Queue, sqs.Queue]:
        dlq = sqs.Queue(
            self,
            "IngestDeadLetters",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        acknowledge(
            dlq,
            "AwsSolutions-SQS3",
            "this queue is the dead-letter queue of the ingestion queue; its depth is alarmed.",
        )
        queue = sqs.Queue(
            self,
            "IngestQueue",
            # SSE-SQS, not a KMS key: S3 notifications can publish to it without a key policy.
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=Duration.seconds(dc.INGEST_TIMEOUT_S * dc.VISIBILITY_FACTOR),
            retention_period=Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=dlq, max_receive_count=config.queue_max_receives
            ),
        )
        return dlq, queue

    def _acknowledge_notifications_handler(self) -> None:
        # CDK's singleton custom resource that writes the bucket's notification configuration.
        handler = self.node.try_find_child(
            "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
        )
        if handler is None:
            raise RuntimeError("CDK renamed its bucket-notifications handler; update this lookup")
        acknowledge(
            handler,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            "CDK's built-in bucket-notifications custom resource; it runs only during "
            "deployments and its role is not configurable.",
        )
        acknowledge_wildcards(
            handler,
            ["Resource::*"],
            "s3:PutBucketNotification of CDK's notifications custom resource; it runs only "
            "during deployments and its policy is not configurable.",
        )

    def _dlq_alarm(self) -> None:
        alarm = cloudwatch.Alarm(
            self,
            "IngestDeadLettersAlarm",
            alarm_description="documents failed ingestion after every retry (see the DLQ)",
            metric=self.dlq.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(5), statistic="Maximum"
            ),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(cw_actions.SnsAction(self.alarm_topic))


_ATTRIBUTE_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}


def _key(definition: dict[str, Any], schema_keys: list[dict[str, str]], kind: str) -> Any:
    types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}
    for key in schema_keys:
        if key["KeyType"] == kind:
            name = key["AttributeName"]
            return dynamodb.Attribute(name=name, type=_ATTRIBUTE_TYPES[types[name]])
    return None


def table_from_schema(
    scope: Construct,
    construct_id: str,
    definition: dict[str, Any],
    *,
    pitr: bool = False,
    ttl_attribute: str | None = None,
) -> dynamodb.Table:
    """A DynamoDB table with exactly the keys and indexes ``service`` defines (on-demand)."""
    table = dynamodb.Table(
        scope,
        construct_id,
        partition_key=_key(definition, definition["KeySchema"], "HASH"),
        sort_key=_key(definition, definition["KeySchema"], "RANGE"),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption=dynamodb.TableEncryption.AWS_MANAGED,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=pitr
        ),
        time_to_live_attribute=ttl_attribute,
        removal_policy=RemovalPolicy.DESTROY,
    )
    for index in definition.get("GlobalSecondaryIndexes", []):
        table.add_global_secondary_index(
            index_name=index["IndexName"],
            partition_key=_key(definition, index["KeySchema"], "HASH"),
            sort_key=_key(definition, index["KeySchema"], "RANGE"),
            projection_type=dynamodb.ProjectionType(index["Projection"]["ProjectionType"]),
        )
    return table
