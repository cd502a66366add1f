"""deploy/compose.yaml against the Compose Specification's JSON schema, and its wiring.

`docker compose config` needs a Docker installation; the schema (vendored beside this
file, see compose-spec.NOTICE) checks the same structure offline.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from bot.web.settings import WebSettings
from catalog.settings import CatalogSettings
from dialogue.settings import DialogueSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "deploy" / "compose.yaml"
SCHEMA = Path(__file__).parent / "compose-spec.json"


def _compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(_compose()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_catches_a_broken_file() -> None:
    broken = _compose()
    broken["services"]["kefu"]["depend_on"] = ["migrate"]  # a misspelt key
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_replicas_reach_the_shared_services_through_settings_kefu_reads() -> None:
    services = _compose()["services"]
    kefu = services["kefu"]
    assert kefu["deploy"]["replicas"] == 2
    env = kefu["environment"]
    # the names are the settings' own: each one is read by a settings class
    known = {f"KEFU_{name.upper()}" for name in CatalogSettings.model_fields}
    known |= {f"KEFU_{name.upper()}" for name in DialogueSettings.model_fields}
    known |= {f"KEFU_WEB_{name.upper()}" for name in WebSettings.model_fields}
    for name in ("KEFU_DATABASE_URL", "KEFU_LM_BACKEND", "KEFU_LM_BASE_URL", "KEFU_WEB_PORT"):
        assert name in known and name in env
    assert env["KEFU_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["KEFU_REDIS_URL"].startswith("redis://redis:")
    assert env["KEFU_LM_BASE_URL"] == "http://vllm:8000/v1" and env["KEFU_LM_BACKEND"] == "openai"
    assert kefu["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "kefu db upgrade" in " ".join(services["migrate"]["command"])
    gpu = services["vllm"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["capabilities"] == ["gpu"]


def test_the_proxy_passes_websocket_upgrades() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    assert "server kefu:8000" in conf
