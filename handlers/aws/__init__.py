"""AWS Lambda handlers, one module per function (image CMD ``handlers.aws.<name>.handler``).

Light ones (authorizer, connection, message) must not import LanceDB or LlamaIndex.
``ENTRY_POINTS`` is the one list of handler paths: the CDK app, the image check and the tests
read it (importing this package imports no handler)."""

ENTRY_POINTS = {
    name: f"handlers.aws.{name}.handler"
    for name in (
        "ws_authorizer",
        "ws_connection",
        "ws_message",
        "chat_worker",
        "admin",
        "ingest",
        "maintenance",
        "dead_letters",
    )
}
