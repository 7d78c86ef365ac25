"""A fake Slack for tests: Web API server, request signing, Block Kit validation."""
