"""The Lambda functions: one image, a command each, and roles granting only what each uses."""

from __future__ import annotations

from collections import Counter

import pytest

from handlers.aws import ENTRY_POINTS
from infra.deploy_config import DeployConfig
from service.config import Settings, env_name
from tests.infra.conftest import Synth
from tests.infra.helpers import actions, functions, grants, resources, role_id, statements, text

CONFIG = DeployConfig()


def test_every_handler_is_an_image_function_of_one_asset(synth: Synth) -> None:
    fns = functions(synth)
    assert sorted(fns) == sorted(ENTRY_POINTS.values())  # the image check imports exactly these
    images = set()
    for _, fn in fns.values():
        props = fn["Properties"]
        assert props["PackageType"] == "Image"
        assert props["Architectures"] == ["x86_64"]
        assert props["TracingConfig"] == {"Mode": "Active"}
        images.add(text(props["Code"]["ImageUri"]).split(":")[-1])
    assert len(images) == 1  # the same image tag (asset hash) everywhere


def test_each_function_has_its_own_role_without_managed_policies(synth: Synth) -> None:
    roles = Counter(role_id(fn) for _, fn in functions(synth).values())
    assert all(count == 1 for count in roles.values())
    for stack, fn in functions(synth).values():
        role = synth.resources(stack, "AWS::IAM::Role")[role_id(fn)]["Properties"]
        assert "ManagedPolicyArns" not in role


def test_no_function_may_do_everything_anywhere(synth: Synth) -> None:
    for handler, (stack, fn) in functions(synth).items():
        for statement in statements(synth, stack, role_id(fn)):
            assert not any(a.endswith("*") for a in actions(statement)), (handler, statement)
            if "*" in resources(statement):
                # X-Ray's two actions have no resource-level permissions at all.
                assert actions(statement) == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]


def test_logs_go_to_the_functions_own_group_with_retention(synth: Synth) -> None:
    for handler, (stack, fn) in functions(synth).items():
        group = fn["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        props = synth.resources(stack, "AWS::Logs::LogGroup")[group]["Properties"]
        assert props["RetentionInDays"] == CONFIG.log_retention_days, handler
        assert grants(synth, handler, "logs:PutLogEvents") == [text({"Fn::GetAtt": [group, "Arn"]})]


def test_environment_names_come_from_settings(synth: Synth) -> None:
    for handler, (_, fn) in functions(synth).items():
        names = fn["Properties"]["Environment"]["Variables"]
        for name in names:
            field = name.removeprefix("RAG_").lower()
            assert field in Settings.model_fields and env_name(field) == name, (handler, name)
        assert names[env_name("mode")] == "aws"


@pytest.mark.parametrize(
    ("handler", "needed"),
    [
        ("handlers.aws.ws_authorizer.handler", {"cognito_user_pool_id", "cognito_client_id"}),
        ("handlers.aws.ws_message.handler", {"connections_table", "chat_worker_function"}),
        (
            "handlers.aws.chat_worker.handler",
            {"lancedb_uri", "ws_management_url", "bedrock_llm_model"},
        ),
        ("handlers.aws.admin.handler", {"documents_bucket", "registry_table", "ingest_queue_url"}),
        ("handlers.aws.ingest.handler", {"documents_bucket", "lancedb_uri", "bedrock_embed_model"}),
        ("handlers.aws.ingest.handler", {"embed_provider", "queue_max_receives"}),
        ("handlers.aws.maintenance.handler", {"lancedb_uri"}),
    ],
)
def test_each_function_is_told_where_its_resources_are(
    synth: Synth, handler: str, needed: set[str]
) -> None:
    names = functions(synth)[handler][1]["Properties"]["Environment"]["Variables"]
    assert {env_name(f) for f in needed} <= set(names)


def test_bedrock_only_on_the_named_models(synth: Synth) -> None:
    embed, llm = CONFIG.bedrock_embed_model, CONFIG.bedrock_llm_model
    allowed = {
        "handlers.aws.ingest.handler": {embed},
        "handlers.aws.chat_worker.handler": {embed, llm},
    }
    for handler in ENTRY_POINTS.values():
        invoke = grants(synth, handler, "bedrock:InvokeModel")
        models = {r.split("foundation-model/")[1].split('"')[0] for r in invoke}
        assert models == allowed.get(handler, set()), handler
    stream = grants(
        synth, "handlers.aws.chat_worker.handler", "bedrock:InvokeModelWithResponseStream"
    )
    assert len(stream) == 2  # ConverseStream for the answer


def test_manage_connections_only_on_this_apis_stage(synth: Synth) -> None:
    for handler in ENTRY_POINTS.values():
        granted = grants(synth, handler, "execute-api:ManageConnections")
        if handler in {
            "handlers.aws.ws_message.handler",
            "handlers.aws.chat_worker.handler",
            "handlers.aws.ingest.handler",
            "handlers.aws.dead_letters.handler",  # tells owners their document FAILED
            "handlers.aws.maintenance.handler",  # same, for documents stuck in flight
        }:
            assert len(granted) == 2, handler
            for arn in granted:
                assert "WebSocketApi" in arn and "/prod/" in arn and "@connections/*" in arn
        else:
            assert granted == [], handler


def test_only_the_message_route_may_invoke_only_the_chat_worker(synth: Synth) -> None:
    for handler in ENTRY_POINTS.values():
        granted = grants(synth, handler, "lambda:InvokeFunction")
        if handler == "handlers.aws.ws_message.handler":
            (arn,) = granted
            assert "ChatWorkerFunction" in arn and ":*" not in arn
        else:
            assert granted == [], handler


@pytest.mark.parametrize(
    ("handler", "prefixes_read", "prefixes_written"),
    [
        (
            "handlers.aws.ingest.handler",
            {"documents/", "stored/", "lancedb/"},
            {"documents/", "stored/", "lancedb/"},
        ),
        (
            "handlers.aws.admin.handler",
            {"documents/", "stored/", "lancedb/"},
            {"documents/", "stored/", "lancedb/"},
        ),
        ("handlers.aws.chat_worker.handler", {"lancedb/"}, set()),
        ("handlers.aws.maintenance.handler", {"lancedb/"}, {"lancedb/"}),
        ("handlers.aws.dead_letters.handler", {"lancedb/"}, {"lancedb/"}),
        ("handlers.aws.ws_message.handler", set(), set()),
        ("handlers.aws.ws_connection.handler", set(), set()),
        ("handlers.aws.ws_authorizer.handler", set(), set()),
    ],
)
def test_s3_access_is_scoped_to_prefixes(
    synth: Synth, handler: str, prefixes_read: set[str], prefixes_written: set[str]
) -> None:
    def prefixes(action: str) -> set[str]:
        return {r.rsplit('"/', 1)[1].split("*")[0] for r in grants(synth, handler, action)}

    assert prefixes("s3:GetObject") == prefixes_read
    assert prefixes("s3:PutObject") == prefixes("s3:DeleteObject") == prefixes_written
    stack, fn = functions(synth)[handler]
    for statement in statements(synth, stack, role_id(fn)):
        if "s3:ListBucket" in actions(statement):
            (prefix,) = statement["Condition"]["StringLike"]["s3:prefix"]
            assert prefix in {p + "*" for p in prefixes_read}


def test_ingest_reads_sqs_with_partial_batch_failures_and_a_concurrency_cap(
    synth: Synth,
) -> None:
    mappings = synth.resources("ingestion", "AWS::Lambda::EventSourceMapping").values()
    (props,) = [m["Properties"] for m in mappings if "IngestQueue" in text(m["Properties"])]
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert props["ScalingConfig"] == {"MaximumConcurrency": CONFIG.ingest_max_concurrency}
    assert "IngestQueue" in text(props["EventSourceArn"])
    assert "Ingest" in text(props["FunctionName"])


def test_maintenance_runs_on_a_schedule(synth: Synth) -> None:
    (rule,) = synth.resources("ingestion", "AWS::Events::Rule").values()
    interval_min = int(Settings().maintenance_interval_s // 60)
    assert rule["Properties"]["ScheduleExpression"] == f"rate({interval_min} minutes)"
    (target,) = rule["Properties"]["Targets"]
    assert "MaintenanceFunction" in text(target["Arn"])


def test_every_function_has_an_errors_alarm(synth: Synth) -> None:
    alarms = synth.all_resources("AWS::CloudWatch::Alarm").values()
    errors = [a["Properties"] for a in alarms if a["Properties"].get("MetricName") == "Errors"]
    assert len(errors) == len(ENTRY_POINTS)
    assert all(a["AlarmActions"] and a["Threshold"] == 1 for a in errors)


def test_image_build_context_holds_only_what_the_dockerfile_copies(synth: Synth) -> None:
    (context,) = synth.outdir.glob("asset.*")  # one image asset for every function
    dockerfile = (context / "Dockerfile").read_text()
    sources = [
        line.split()[1]
        for line in dockerfile.splitlines()
        if line.startswith("COPY ") and "--from" not in line
    ]
    assert sources == [
        "requirements-lambda.lock",
        "service/",
        "handlers/",
        "infra/image/check_image.py",
    ]
    for source in sources:
        assert (context / source).exists(), source
    top = {p.name for p in context.iterdir()}
    assert top == {
        ".dockerignore",
        "Dockerfile",
        "requirements-lambda.lock",
        "service",
        "handlers",
        "infra",
    }
    assert not list(context.rglob("__pycache__"))
    assert (context / "service" / "weights" / "minilm" / "tokenizer.json").is_file()
    assert "FROM --platform=linux/amd64 ${BASE_IMAGE}" in dockerfile
    assert "ARG BASE_IMAGE=public.ecr.aws/lambda/python:3.12" in dockerfile


def test_dead_letters_are_consumed_by_their_own_function(synth: Synth) -> None:
    mappings = synth.resources("ingestion", "AWS::Lambda::EventSourceMapping").values()
    (props,) = [m["Properties"] for m in mappings if "DeadLetters" in text(m["Properties"])]
    assert "IngestDeadLetters" in text(props["EventSourceArn"])
    assert "DeadLettersFunction" in text(props["FunctionName"])
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_chat_worker_is_never_retried_asynchronously(synth: Synth) -> None:
    configs = synth.resources("api", "AWS::Lambda::EventInvokeConfig").values()
    (props,) = [c["Properties"] for c in configs if "ChatWorker" in text(c["Properties"])]
    assert props["MaximumRetryAttempts"] == 0  # a retry would stream a second answer


def test_maintenance_may_requeue_and_fail_stuck_documents(synth: Synth) -> None:
    sends = grants(synth, "handlers.aws.maintenance.handler", "sqs:SendMessage")
    assert len(sends) == 1 and "IngestQueue" in sends[0]
    assert grants(synth, "handlers.aws.maintenance.handler", "dynamodb:UpdateItem")


def test_conversations_table_grants_are_per_function(synth: Synth) -> None:
    """Issue 15: the chat worker reads and appends turns on the table (no index); the admin
    API also queries the listing and feedback indexes; no other function touches it."""

    def on_conversations(handler: str, action: str) -> list[str]:
        return [r for r in grants(synth, handler, action) if "Conversations" in r]

    worker, admin = "handlers.aws.chat_worker.handler", "handlers.aws.admin.handler"
    assert on_conversations(worker, "dynamodb:UpdateItem")
    assert on_conversations(worker, "dynamodb:PutItem")
    assert not [r for r in on_conversations(worker, "dynamodb:Query") if "/index/" in r]
    admin_queries = " ".join(on_conversations(admin, "dynamodb:Query"))
    assert "by_updated" in admin_queries and "feedback_by_time" in admin_queries
    for handler in functions(synth):
        if handler not in (worker, admin):
            assert not on_conversations(handler, "dynamodb:GetItem"), handler
            assert not on_conversations(handler, "dynamodb:Query"), handler
    for handler in (worker, admin):
        names = functions(synth)[handler][1]["Properties"]["Environment"]["Variables"]
        assert env_name("conversations_table") in names
