from pathlib import Path

import pytest
import yaml

from tests.fakeslack.schemas import BlockKitError, validate_manifest

MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"


def test_manifest_is_valid_against_slacks_schema() -> None:
    validate_manifest(MANIFEST)


def test_manifest_validation_can_fail(tmp_path: Path) -> None:
    data = yaml.safe_load(MANIFEST.read_text())
    data["features"]["slash_commands"][0]["command"] = "engagement without slash"
    data["display_information"]["name"] = "x" * 50
    bad = tmp_path / "m.yml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(BlockKitError):
        validate_manifest(bad)


def test_manifest_declares_what_the_bot_uses() -> None:
    data = yaml.safe_load(MANIFEST.read_text())
    assert data["features"]["slash_commands"][0]["command"] == "/engagement"
    assert data["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(data["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "channels:join", "im:write"} <= scopes


def test_manifest_scopes_are_the_ones_the_bot_asks_for_in_oauth_mode() -> None:
    from bot.settings import Settings

    data = yaml.safe_load(MANIFEST.read_text())
    asked = {s.strip() for s in Settings.model_fields["slack_scopes"].default.split(",")}
    assert set(data["oauth_config"]["scopes"]["bot"]) == asked


def test_manifest_over_http_needs_request_urls(tmp_path: Path) -> None:
    data = yaml.safe_load(MANIFEST.read_text())
    data["settings"]["socket_mode_enabled"] = False
    bad = tmp_path / "m.yml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(BlockKitError, match="request_url"):
        validate_manifest(bad)
