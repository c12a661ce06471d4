"""One Lambda function of the service: the shared container image with its own command, its own
role (nothing but what this function uses), its own log group (retention set) and an errors alarm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Size
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra import deploy_config as dc
from infra.nag import acknowledge_wildcards

REPO_ROOT = Path(__file__).resolve().parents[1]
_PLATFORMS = {
    "x86_64": (lambda_.Architecture.X86_64, ecr_assets.Platform.LINUX_AMD64),
    "arm64": (lambda_.Architecture.ARM_64, ecr_assets.Platform.LINUX_ARM64),
}
ARCHITECTURE, IMAGE_PLATFORM = _PLATFORMS[dc.ARCHITECTURE]
DOCKERFILE = "Dockerfile"

_RETENTION = {
    1: logs.RetentionDays.ONE_DAY,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    90: logs.RetentionDays.THREE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
}


def retention(days: int) -> logs.RetentionDays:
    """The CloudWatch retention for ``days`` (one of 1, 7, 14, 30, 90, 180, 365)."""
    try:
        return _RETENTION[days]
    except KeyError:
        raise ValueError(f"log retention must be one of {sorted(_RETENTION)} days") from None


def image_code(handler: str) -> lambda_.DockerImageCode:
    """The service image (built from the repository's Dockerfile at deploy) running ``handler``.

    Every function names the same build, so CDK stages and publishes one image; only the
    command differs. No Docker engine is needed to synthesize.
    """
    return lambda_.DockerImageCode.from_image_asset(
        str(REPO_ROOT),
        file=DOCKERFILE,
        cmd=[handler],
        platform=IMAGE_PLATFORM,
    )


@dataclass(frozen=True)
class FunctionSpec:
    """What differs between the service's functions."""

    handler: str  # module.function inside the image, e.g. "handlers.aws.ingest.handler"
    description: str
    memory_mb: int = 1024
    timeout_s: int = 30
    ephemeral_mb: int = 512


class ServiceFunction(Construct):
    """A container-image function with a least-privilege role of its own."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        spec: FunctionSpec,
        environment: Mapping[str, str],
        log_retention: logs.RetentionDays,
        alarm_topic: sns.ITopic | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{spec.handler}: only what this function uses",
        )
        # Instead of the AWSLambdaBasicExecutionRole managed policy (logs:* on every group).
        self.log_group.grant_write(self.role)
        self.function = lambda_.DockerImageFunction(
            self,
            "Function",
            code=image_code(spec.handler),
            description=spec.description,
            architecture=ARCHITECTURE,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_s),
            ephemeral_storage_size=Size.mebibytes(spec.ephemeral_mb),
            environment=dict(environment),
            role=self.role,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            tracing=lambda_.Tracing.ACTIVE,
        )
        # Active tracing adds xray:PutTraceSegments/PutTelemetryRecords on "*".
        acknowledge_wildcards(
            self.role,
            ["Resource::*"],
            "xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level "
            "permissions; the statement holds only these two actions.",
        )
        self.errors_alarm = self._errors_alarm(spec, alarm_topic)

    def _errors_alarm(self, spec: FunctionSpec, alarm_topic: sns.ITopic | None) -> cloudwatch.Alarm:
        alarm = cloudwatch.Alarm(
            self,
            "ErrorsAlarm",
            alarm_description=f"{spec.handler} raised errors",
            metric=self.function.metric_errors(period=Duration.minutes(5), statistic="Sum"),
            threshold=1,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if alarm_topic is not None:
            alarm.add_alarm_action(cw_actions.SnsAction(alarm_topic))
        return alarm
