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
