"""Ingestion jobs on SQS. On AWS, Lambda's event source mapping receives the messages and the
queue's redrive policy moves a message to the dead-letter queue after its maximum receives; the
receive/ack/release methods serve tools and the port's contract tests."""

from __future__ import annotations

import math
from typing import Any

from pydantic import ValidationError

from service.models import IngestJob
from service.ports import ReceivedJob


class SqsJobQueue:
    """``JobQueue`` on one SQS queue; ``client`` is a boto3 SQS client."""

    def __init__(self, queue_url: str, client: Any) -> None:
        self._url = queue_url
        self._client = client

    def send(self, job: IngestJob) -> None:
        """Enqueue a job (the message body is the ``IngestJob`` JSON)."""
        self._client.send_message(QueueUrl=self._url, MessageBody=job.model_dump_json())

    def receive(self, max_messages: int = 1) -> list[ReceivedJob]:
        """Take up to ``max_messages`` (at most 10, SQS's limit) visible job messages."""
        out = self._client.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=max(1, min(10, max_messages)),
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
            WaitTimeSeconds=0,
        )
        received = []
        for message in out.get("Messages", []):
            try:
                job = IngestJob.model_validate_json(message["Body"])
            except ValidationError:
                continue  # not a job (an S3 notification): the ingest handler's business
            count = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            received.append(ReceivedJob(job, message["ReceiptHandle"], count))
        return received

    def ack(self, receipt: str) -> None:
        """Delete the message."""
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=receipt)

    def release(self, receipt: str, *, delay_s: float = 0.0) -> None:
        """Make the message visible again after ``delay_s`` (whole seconds, SQS's unit)."""
        self._client.change_message_visibility(
            QueueUrl=self._url, ReceiptHandle=receipt, VisibilityTimeout=math.ceil(delay_s)
        )
