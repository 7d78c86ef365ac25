"""The Slack CLI's hooks for this project (``slack run``, ``slack manifest``).

.slack/hooks.json points the CLI here for two hooks; the rest (get-hooks, doctor,
check-update) and the CLI protocol come from Slack's slack-cli-hooks package, installed by
the ``slack-cli`` extra.

- ``get-manifest``: manifest.yml converted to the JSON the CLI reads, on every call, so
  there is no second copy of the manifest to keep in step.
- ``start``: the bot and its scheduler (``engagement-bot run``) in Socket Mode, with the
  tokens of the local app the CLI created and installed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import yaml
from slack_cli_hooks.protocol import build_protocol

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "manifest.yml"

# the CLI hands the local app's tokens over under these names
CLI_TOKENS = {"SLACK_CLI_XOXB": "SLACK_BOT_TOKEN", "SLACK_CLI_XAPP": "SLACK_APP_TOKEN"}


def manifest() -> dict[str, Any]:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(data, dict), "manifest.yml is not a mapping"
    return data


def get_manifest(argv: list[str]) -> int:
    build_protocol(argv).respond(json.dumps(manifest()))
    return 0


def start(argv: list[str]) -> int:
    for cli_name, name in CLI_TOKENS.items():
        if os.environ.get(cli_name):  # the CLI's local app wins over a token in the shell
            os.environ[name] = os.environ[cli_name]
    missing = [name for name in CLI_TOKENS.values() if not os.environ.get(name)]
    if missing:
        print(f"start: the Slack CLI passed no {' or '.join(missing)}", file=sys.stderr)
        return 2
    from bot.cli import main

    return main(["run"])


HOOKS = {"get-manifest": get_manifest, "start": start}


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] not in HOOKS:
        print(f"usage: {argv[0]} {{{','.join(HOOKS)}}} [--protocol P --boundary B]",
              file=sys.stderr)
        return 2
    # slack-cli-hooks reads --protocol/--boundary from argv[1:] and ignores the rest
    return HOOKS[argv[1]]([argv[0], *argv[2:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
