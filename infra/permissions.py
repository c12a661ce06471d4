"""Least-privilege grants the CDK's own ``grant_*`` helpers make too wide for this service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from aws_cdk import Aws, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_

from infra.nag import acknowledge_wildcards

DOCUMENTS_PREFIX = "documents/"  # blob keys: documents/{owner}/{doc_id} (service/documents.py)
LANCEDB_PREFIX = "lancedb/"  # LanceDB tables; never notifies ingestion
STORED_PREFIX = "stored/"  # accepted uploads, out of reach of upload targets (service/uploads.py)


@dataclass(frozen=True)
class SharedArn:
    """A value (ARN or id) another stack uses, and how cdk-nag names it in a finding.

    Imported into another stack, a value appears in findings as the name of its export, so
    shared values get explicit, stable export names (CDK's automatic ones end in a hash).
    """

    value: str
    nag_name: str

    @classmethod
    def share(cls, stack: Stack, value: str, name: str) -> SharedArn:
        """Export ``value`` from ``stack`` as ``{stack name}-{name}`` for other stacks."""
        export = f"{stack.stack_name}-{name}"
        return cls(stack.export_value(value, name=export), export)


# Cross-region inference profiles (e.g. "us.anthropic...") route to the model in several regions.
_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "ca.", "jp.", "au.")


def grant_prefix(role: iam.IRole, bucket: SharedArn, prefix: str, *, write: bool = False) -> None:
    """Read (and optionally write and delete) objects under ``prefix`` only.

    ``ListBucket`` (limited to the prefix) lets a HEAD of a missing key answer 404, not 403.
    """
    actions = ["s3:GetObject"]
    if write:
        actions += ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=actions, resources=[f"{bucket.value}/{prefix}*"])
    )
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["s3:ListBucket"],
            resources=[bucket.value],
            conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        )
    )
    acknowledge_wildcards(
        role,
        [f"Resource::{bucket.nag_name}/{prefix}*"],
        f"object keys under {prefix} are created at run time (per document or LanceDB "
        "fragment); the grant is limited to that prefix of this one bucket.",
    )


def grant_table(
    role: iam.IRole, table: dynamodb.ITable, indexes: Iterable[str], *, write: bool = True
) -> None:
    """The item calls the adapters make (no scans, no batch calls), and queries of the named
    indexes only (no ``index/*`` wildcard)."""
    actions = ["dynamodb:GetItem", "dynamodb:Query"]
    if write:
        actions += ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=[table.table_arn]))
    index_arns = [f"{table.table_arn}/index/{name}" for name in indexes]
    if index_arns:  # a statement without resources is invalid
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["dynamodb:Query"], resources=index_arns)
        )


def bedrock_model_arns(model_ids: Iterable[str], region: str) -> tuple[list[str], list[str]]:
    """ARNs for ``bedrock:Invoke*`` on exactly these models, and the IAM5 findings they cause.

    A plain model id is one foundation model in ``region``. An inference-profile id also needs
    the underlying model in every region the profile may route to (hence a region wildcard).
    """
    arns: list[str] = []
    findings: list[str] = []
    for model_id in dict.fromkeys(model_ids):
        if model_id.startswith(_PROFILE_PREFIXES):
            base = model_id.split(".", 1)[1]
            arns.append(
                f"arn:{Aws.PARTITION}:bedrock:{region}:{Aws.ACCOUNT_ID}:inference-profile/{model_id}"
            )
            any_region = f"arn:{Aws.PARTITION}:bedrock:*::foundation-model/{base}"
            arns.append(any_region)
            findings.append(f"Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/{base}")
        else:
            arns.append(f"arn:{Aws.PARTITION}:bedrock:{region}::foundation-model/{model_id}")
    return arns, findings


def grant_bedrock(
    role: iam.IRole, model_ids: Iterable[str], region: str, *, stream: bool = False
) -> None:
    """``bedrock:InvokeModel`` (and the streaming variant for ConverseStream) on named models."""
    arns, findings = bedrock_model_arns(model_ids, region)
    actions = ["bedrock:InvokeModel"]
    if stream:
        actions.append("bedrock:InvokeModelWithResponseStream")
    role.add_to_principal_policy(iam.PolicyStatement(actions=actions, resources=arns))
    if findings:
        acknowledge_wildcards(
            role,
            findings,
            "a cross-region inference profile may serve the named model from any region of "
            "its geography; the model itself is fixed.",
        )


def grant_rerank(role: iam.IRole, model_id: str, region: str) -> None:
    """``bedrock:Rerank`` (an action without resource-level permissions) and
    ``bedrock:InvokeModel`` on the one rerank model it calls."""
    arns, findings = bedrock_model_arns([model_id], region)
    role.add_to_principal_policy(iam.PolicyStatement(actions=["bedrock:Rerank"], resources=["*"]))
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["bedrock:InvokeModel"], resources=arns)
    )
    acknowledge_wildcards(
        role,
        ["Resource::*", *findings],
        "bedrock:Rerank supports no resource-level permissions; the model it may invoke is "
        "named in the InvokeModel statement.",
    )


def grant_manage_connections(role: iam.IRole, api_id: SharedArn, stage: str) -> None:
    """Post to (and drop) connections of this API's stage only."""

    def arn(partition: str, region: str, account: str, api: str, method: str) -> str:
        return (
            f"arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{method}/@connections/*"
        )

    methods = ("POST", "DELETE")
    aws = (Aws.PARTITION, Aws.REGION, Aws.ACCOUNT_ID)
    nag = ("<AWS::Partition>", "<AWS::Region>", "<AWS::AccountId>")
    role.add_to_principal_policy(
        iam.PolicyStatement(
            actions=["execute-api:ManageConnections"],
            resources=[arn(*aws, api_id.value, method) for method in methods],
        )
    )
    acknowledge_wildcards(
        role,
        [f"Resource::{arn(*nag, api_id.nag_name, method)}" for method in methods],
        "connection ids are made by API Gateway per client; the grant is limited to this "
        "API's stage and to posting to / closing connections.",
    )


def grant_invoke(role: iam.IRole, function: lambda_.IFunction) -> None:
    """``lambda:InvokeFunction`` on this one function (no versions or aliases wildcard)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[function.function_arn])
    )
