"""AWS Lambda handlers, one module per function (image CMD ``handlers.aws.<name>.handler``).

Light ones (authorizer, connection, message) must not import LanceDB or LlamaIndex."""
