"""Ingestion: the function that turns queued uploads into indexed chunks, and the scheduled
maintenance that compacts LanceDB and removes old versions (so deleted text leaves S3)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from constructs import Construct

from handlers.aws import ENTRY_POINTS
from infra import deploy_config as dc
from infra.environment import service_env
from infra.functions import FunctionSpec, ServiceFunction, retention
from infra.observability import Observability
from infra.permissions import (
    DOCUMENTS_PREFIX,
    LANCEDB_PREFIX,
    STORED_PREFIX,
    SharedArn,
    grant_bedrock,
    grant_manage_connections,
    grant_prefix,
    grant_table,
)
from infra.stacks.api import WS_STAGE, ApiStack, ws_management_url
from infra.stacks.data import DataStack
from service.adapters import dynamo_schema as schema
from service.config import Settings

INGEST = FunctionSpec(
    ENTRY_POINTS["ingest"],
    "parses, embeds and indexes uploaded documents",
    memory_mb=3008,
    timeout_s=dc.INGEST_TIMEOUT_S,
    ephemeral_mb=2048,  # a document up to the upload limit is spooled to /tmp while parsed
)
DEAD_LETTERS = FunctionSpec(
    ENTRY_POINTS["dead_letters"],
    "marks the documents of dead-lettered ingestion jobs FAILED",
    memory_mb=1024,
    timeout_s=60,
)
MAINTENANCE = FunctionSpec(
    ENTRY_POINTS["maintenance"],
    "LanceDB optimize + cleanup of old versions",
    memory_mb=2048,
    timeout_s=dc.MAINTENANCE_TIMEOUT_S,
    ephemeral_mb=1024,
)


class IngestionStack(Stack):
    """Work driven by the queue and by the clock."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: dc.DeployConfig,
        data: DataStack,
        api: ApiStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        bedrock_region = config.bedrock_region or Aws.REGION
        env = service_env(config, data, ws_management_url=ws_management_url(api.ws_api_id.value))
        self.config, self.data, self.api = config, data, api
        self.bedrock_region = bedrock_region
        log_retention = retention(config.log_retention_days)
        self.ingest = self._ingest(env, log_retention)
        self.maintenance = self._maintenance(env, log_retention)
        self.dead_letters = self._dead_letters(env, log_retention)
        self.observability = self._observability()

    def _observability(self) -> Observability:
        """The dashboard and alarms (issue 16) over every service function."""
        functions = {
            name: SharedArn.share(
                self.api, fn.function.function_name, f"{fn.node.id}FunctionName"
            ).value
            for name, fn in self.api.functions.items()
        }
        for fn in (self.ingest, self.maintenance, self.dead_letters):
            functions[fn.node.id] = fn.function.function_name
        return Observability(
            self,
            "Observability",
            functions=functions,
            dlq=self.data.dlq,
            llm_model=self.config.bedrock_llm_model,
            alarm_topic=self.data.alarm_topic,
        )

    def _ingest(self, env: dict[str, str], log_retention: logs.RetentionDays) -> ServiceFunction:
        config, data = self.config, self.data
        ingest = ServiceFunction(
            self,
            "Ingest",
            spec=INGEST,
            environment=env,
            log_retention=log_retention,
            alarm_topic=data.alarm_topic,
        )
        ingest.function.add_event_source(
            sources.SqsEventSource(
                data.queue,
                batch_size=config.ingest_batch_size,
                report_batch_item_failures=True,
                max_concurrency=config.ingest_max_concurrency,
            )
        )
        role = ingest.role
        grant_table(role, data.registry, [schema.OWNER_INDEX, schema.ALL_INDEX])
        # Finds the owner's open connections to notify, and drops those that are gone.
        grant_table(role, data.connections, [schema.CONNECTIONS_OWNER_INDEX])
        # Accepting an upload copies it under stored/ and removes it (and any replay) from
        # documents/ (service/uploads.py).
        grant_prefix(role, data.bucket_arn, DOCUMENTS_PREFIX, write=True)
        grant_prefix(role, data.bucket_arn, STORED_PREFIX, write=True)
        grant_prefix(role, data.bucket_arn, LANCEDB_PREFIX, write=True)
        grant_bedrock(role, [config.bedrock_embed_model], self.bedrock_region)
        grant_manage_connections(role, self.api.ws_api_id, WS_STAGE)
        return ingest

    def _maintenance(
        self, env: dict[str, str], log_retention: logs.RetentionDays
    ) -> ServiceFunction:
        maintenance = ServiceFunction(
            self,
            "Maintenance",
            spec=MAINTENANCE,
            environment=env,
            log_retention=log_retention,
            alarm_topic=self.data.alarm_topic,
        )
        grant_prefix(maintenance.role, self.data.bucket_arn, LANCEDB_PREFIX, write=True)
        # Stuck documents: re-send their jobs, or mark them FAILED and tell their owners.
        grant_table(maintenance.role, self.data.registry, [schema.OWNER_INDEX, schema.ALL_INDEX])
        grant_table(maintenance.role, self.data.connections, [schema.CONNECTIONS_OWNER_INDEX])
        grant_manage_connections(maintenance.role, self.api.ws_api_id, WS_STAGE)
        self.data.queue.grant_send_messages(maintenance.role)
        interval_s = int(Settings.model_fields["maintenance_interval_s"].default)
        events.Rule(
            self,
            "MaintenanceSchedule",
            schedule=events.Schedule.rate(Duration.minutes(max(1, interval_s // 60))),
            targets=[targets.LambdaFunction(maintenance.function, retry_attempts=0)],
        )
        return maintenance

    def _dead_letters(
        self, env: dict[str, str], log_retention: logs.RetentionDays
    ) -> ServiceFunction:
        data = self.data
        consumer = ServiceFunction(
            self,
            "DeadLetters",
            spec=DEAD_LETTERS,
            environment=env,
            log_retention=log_retention,
            alarm_topic=data.alarm_topic,
        )
        consumer.function.add_event_source(
            sources.SqsEventSource(data.dlq, batch_size=10, report_batch_item_failures=True)
        )
        role = consumer.role
        grant_table(role, data.registry, [schema.OWNER_INDEX, schema.ALL_INDEX])
        grant_table(role, data.connections, [schema.CONNECTIONS_OWNER_INDEX])
        # A failed document's rows are removed (none should exist; a killed attempt may
        # have committed some).
        grant_prefix(role, data.bucket_arn, LANCEDB_PREFIX, write=True)
        grant_manage_connections(role, self.api.ws_api_id, WS_STAGE)
        return consumer
