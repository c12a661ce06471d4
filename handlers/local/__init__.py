"""The local server (``rag serve``): the web app, REST API, chat WebSocket, uploads and sign-in
in one process."""
