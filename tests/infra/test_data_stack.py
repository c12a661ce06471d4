"""Data stack: bucket, notifications, queues, tables, alarms (synthesized templates)."""

from __future__ import annotations

from typing import Any

from aws_cdk.assertions import Match, Template

from infra import deploy_config as dc
from service.adapters import dynamo_schema as schema
from service.config import Settings, env_name
from tests.infra.conftest import Synth
from tests.infra.helpers import functions, text


def _bucket(synth: Synth) -> dict[str, Any]:
    buckets = synth.resources("data", "AWS::S3::Bucket").values()
    (props,) = [b["Properties"] for b in buckets if "CorsConfiguration" in b["Properties"]]
    return dict(props)


def test_buckets_are_private_encrypted_and_tls_only(synth: Synth) -> None:
    template = Template.from_json(synth.templates["data"])
    template.resource_count_is("AWS::S3::Bucket", 2)  # documents + its access logs
    template.all_resources_properties(
        "AWS::S3::Bucket",
        {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
                ]
            },
        },
    )
    denies = synth.resources("data", "AWS::S3::BucketPolicy")
    assert len(denies) == 2
    for policy in denies.values():
        (deny,) = [
            s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"
        ]
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_documents_bucket_cors_allows_the_web_apps_presigned_post(synth: Synth) -> None:
    (rule,) = _bucket(synth)["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedMethods"] == ["POST"]
    origins = text(rule["AllowedOrigins"])
    assert "https://main." in origins and "WebAppDefaultDomain" in origins  # the Amplify app
    assert "http://localhost:5173" in origins  # the extra origin from context
    assert "*" not in [o for o in rule["AllowedOrigins"] if isinstance(o, str)]


def test_abandoned_uploads_are_cleaned_up_and_access_is_logged(synth: Synth) -> None:
    bucket = _bucket(synth)
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}
    assert rule["Status"] == "Enabled"
    assert bucket["LoggingConfiguration"]["LogFilePrefix"] == "documents-bucket/"
    assert "VersioningConfiguration" not in bucket  # deleted text must really leave S3


def test_only_documents_prefix_notifies_the_ingestion_queue(synth: Synth) -> None:
    (custom,) = synth.resources("data", "Custom::S3BucketNotifications").values()
    configs = custom["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert sorted(c["Events"][0] for c in configs) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    for config in configs:
        assert config["Filter"] == {
            "Key": {"FilterRules": [{"Name": "prefix", "Value": "documents/"}]}
        }
        assert "IngestQueue" in text(config["QueueArn"])
    assert set(custom["Properties"]["NotificationConfiguration"]) == {"QueueConfigurations"}
    for _, fn in functions(synth).values():
        uri = fn["Properties"]["Environment"]["Variables"].get(env_name("lancedb_uri"))
        if uri is not None:  # LanceDB writes under lancedb/, which never notifies
            assert text(uri).endswith('"/lancedb"]]}')


def test_ingestion_queue_has_a_dlq_and_long_enough_visibility(synth: Synth) -> None:
    queues = synth.resources("data", "AWS::SQS::Queue")
    (main,) = [q["Properties"] for q in queues.values() if "RedrivePolicy" in q["Properties"]]
    assert main["RedrivePolicy"]["maxReceiveCount"] == Settings().queue_max_receives
    stack, ingest = functions(synth)["handlers.aws.ingest.handler"]
    assert stack == "ingestion"
    timeout = ingest["Properties"]["Timeout"]
    assert main["VisibilityTimeout"] >= 6 * timeout == 6 * dc.INGEST_TIMEOUT_S
    env = ingest["Properties"]["Environment"]["Variables"]
    # The handler marks a document FAILED on its final attempt: it must know the real count.
    assert env[env_name("queue_max_receives")] == str(main["RedrivePolicy"]["maxReceiveCount"])
    for queue in queues.values():
        assert queue["Properties"]["SqsManagedSseEnabled"] is True
    Template.from_json(synth.templates["data"]).has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Principal": {"Service": "s3.amazonaws.com"}})]
                )
            }
        },
    )


def _normalised(definition: dict[str, Any]) -> dict[str, Any]:
    return {
        "KeySchema": definition["KeySchema"],
        "AttributeDefinitions": sorted(
            definition["AttributeDefinitions"], key=lambda a: a["AttributeName"]
        ),
        "GlobalSecondaryIndexes": sorted(
            (
                {k: g[k] for k in ("IndexName", "KeySchema", "Projection")}
                for g in definition.get("GlobalSecondaryIndexes", [])
            ),
            key=lambda g: g["IndexName"],
        ),
        "BillingMode": definition["BillingMode"],
    }


def test_tables_have_exactly_the_keys_and_indexes_the_code_defines(synth: Synth) -> None:
    tables = {
        k[: -len("XXXXXXXX")]: v for k, v in synth.resources("data", "AWS::DynamoDB::Table").items()
    }
    expected = {
        "Registry": schema.registry_table_definition("x"),
        "Connections": schema.connections_table_definition("x"),
        "Conversations": schema.conversations_table_definition("x"),
    }
    assert set(tables) == set(expected)
    for name, definition in expected.items():
        assert _normalised(tables[name]["Properties"]) == _normalised(definition)


def test_registry_has_pitr_and_connections_expire_by_ttl(synth: Synth) -> None:
    tables = {
        k[:-8]: v["Properties"] for k, v in synth.resources("data", "AWS::DynamoDB::Table").items()
    }
    assert tables["Registry"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    assert tables["Connections"]["TimeToLiveSpecification"] == {
        "AttributeName": schema.TTL_ATTR,
        "Enabled": True,
    }
    retained = synth.templates["data"]["Resources"]
    assert [v["DeletionPolicy"] for k, v in retained.items() if k.startswith("Registry")] == [
        "Retain"
    ]


def test_dlq_depth_alarm_notifies_the_alarm_topic(synth: Synth) -> None:
    alarms = synth.resources("data", "AWS::CloudWatch::Alarm")
    (alarm,) = [a["Properties"] for a in alarms.values()]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert "IngestDeadLetters" in text(alarm["Dimensions"])
    assert alarm["Threshold"] == 1
    assert "Alarms" in text(alarm["AlarmActions"])
    (sub,) = synth.resources("data", "AWS::SNS::Subscription").values()
    assert sub["Properties"]["Endpoint"] == "alarms@example.com"


def test_conversations_have_pitr_ttl_and_are_retained(synth: Synth) -> None:
    """Issue 15: retention is DynamoDB TTL; feedback is recoverable (PITR); kept on delete."""
    tables = {k[:-8]: v for k, v in synth.resources("data", "AWS::DynamoDB::Table").items()}
    table = tables["Conversations"]
    assert table["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    assert table["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": schema.TTL_ATTR,
        "Enabled": True,
    }
    assert table["DeletionPolicy"] == "Retain"
