"""``threatmesh demo``: a ready-to-use instance with sample data on SQLite."""

from __future__ import annotations

import typer

from threatmesh.api.app import build_platform
from threatmesh.api.settings import Settings
from threatmesh.services.admin import setup
from threatmesh.services.events import events

DEMO_ORG = "DEMO-CERT"
DEMO_EMAIL = "admin@demo.threatmesh.local"


def _sample_event() -> dict[str, object]:
    return {
        "info": "Demo: SSH brute force from a known scanner",
        "distribution": 1,
        "threat_level_id": 2,
        "analysis": 1,
        "Tag": [
            {"name": "tlp:green"},
            {"name": 'misp-galaxy:mitre-attack-pattern="Brute Force - T1110"'},
        ],
        "Attribute": [
            {
                "type": "ip-src",
                "value": "203.0.113.45",
                "category": "Network activity",
                "to_ids": True,
            },
            {"type": "ip-dst", "value": "198.51.100.0/24", "comment": "targeted range"},
            {"type": "domain", "value": "scanner.example.net"},
            {"type": "sha256", "value": "a" * 64, "comment": "dropped payload"},
        ],
    }


def run_demo(*, host: str, port: int) -> None:
    """Migrate, seed the demo org, admin and one event, then serve."""
    import uvicorn

    from threatmesh.api.app import create_app

    settings = Settings()
    platform = build_platform(settings)
    setup.upgrade_schema(platform)
    key = setup.key_for(platform, DEMO_EMAIL)
    if key is None:
        key = setup.bootstrap(platform, org_name=DEMO_ORG, email=DEMO_EMAIL)
        who = platform.identify(key)
        assert who is not None
        events.add_event(platform, who, _sample_event())
    url = f"http://{host}:{port}"
    typer.secho("\nthreatmesh demo is running", bold=True)
    typer.echo(f"  URL:      {url}   (OpenAPI docs: {url}/docs)")
    typer.echo(f"  API key:  {key}")
    typer.echo(f"  database: {settings.resolved_database_url()}")
    typer.echo(
        f"  try:      curl -H 'Authorization: {key}' -H 'Accept: application/json' "
        f"{url}/events/index"
    )
    typer.echo(f"  PyMISP:   PyMISP('{url}', '{key}', ssl=False).search(value='203.0.113.45')")
    typer.echo(f"  live:     curl -N -H 'Authorization: {key}' {url}/stream/events")
    typer.echo("  more:     docs/ (sync, anonymizer, protection, uma, detection, stream)\n")
    uvicorn.run(create_app(settings, platform), host=host, port=port, log_level="warning")
