"""How the bot meets Slack over HTTP: the ASGI front (``web``), the HTTP protocol with
deadlines for slow clients (``protocol``), the event-loop path for work after the ack
(``aio``), the worker processes (``workers``), metrics and log formats."""
