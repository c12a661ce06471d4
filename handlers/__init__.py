"""Entry points: the CLI, the local server and the Lambda handlers. Each one is thin: parse,
call ``service``, format."""
