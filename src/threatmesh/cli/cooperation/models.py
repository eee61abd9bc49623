"""``threatmesh models publish | import``: models shared as signed MISP objects."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import typer

from threatmesh.cli.extras import require_ml
from threatmesh.cli.protect import KEYRING
from threatmesh.model.errors import ThreatmeshError

app = typer.Typer(help="Trained models shared as signed ml-model MISP objects.",
                  no_args_is_help=True)  # fmt: skip
_URL = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform (or MISP) URL")
_KEY = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key")
_POLICY_HELP = ("Seal the file under this CP-ABE policy (e.g. 'org:CERT or sector:finance'); "
                "the metadata stays in clear and signed")  # fmt: skip


def _fail(exc: ThreatmeshError) -> None:
    typer.echo(f"{'refused' if exc.name == 'Model refused' else 'error'}: {exc.message}", err=True)
    raise typer.Exit(2)


@app.command("publish")
def publish_cmd(
    model: Path = typer.Argument(..., help="Model file (from `threatmesh detect train`)"),
    url: str = _URL,
    key: str = _KEY,
    signing_key: Path = typer.Option(..., "--signing-key", help="Ed25519 private key (PEM)"),
    event: str | None = typer.Option(None, "--event", help="Event to add it to (default: new)"),
    name: str = typer.Option("", "--name", help="The model's name (default: detector and file)"),
    abe_policy: str = typer.Option("", "--abe-policy", help=_POLICY_HELP),
) -> None:
    """Publish MODEL as an ml-model object: the file, its SHA-256, framework, input
    features, training data, metrics, and an Ed25519 signature over hash and metadata.
    With --abe-policy the file is sealed under the policy (the envelope `threatmesh
    protect-file` makes; the server's key authority's public key, no keyring needed):
    only holders of keys that satisfy it open it; the SHA-256 stays the plaintext's."""
    require_ml()
    from threatmesh.services.detect.analyst import open_client
    from threatmesh.services.models.publish import private_key, publish

    try:
        signer = private_key(signing_key)
        with open_client(url, key) as client:
            done = publish(client, model, signer, event=event, name=name,
                           created=datetime.now(UTC).isoformat(), policy=abe_policy)  # fmt: skip
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(json.dumps(asdict(done)))


@app.command("import")
def import_cmd(
    ref: str = typer.Argument(..., help="The model's event, or its ml-model object (UUID)"),
    url: str = _URL,
    key: str = _KEY,
    trust: list[Path] = typer.Option(..., "--trust", help="Trusted signer's public key (PEM)"),
    validate: Path = typer.Option(..., "--validate", help="Our labelled capture to score it on"),
    into: Path = typer.Option(..., "--into", help="Our model file (an ensemble)"),
    out: Path = typer.Option(..., "--out", help="Where our model with the new expert goes"),
    min_f1: float = typer.Option(0.0, "--min-f1", help="Refuse below this macro-F1 on ours"),
    combiner: str = typer.Option(
        "", "--combiner", help="Swap our combiner (ebids-guarded, ebids-max, ...)"
    ),
    calibrate: list[Path] = typer.Option(
        [], "--calibrate", help="Our labelled flows whose benign ones set the expert's cut"
    ),
    keyring: Path = KEYRING,
) -> None:
    """Fetch a shared model, check signature, hash, format and features, score it on our
    capture, and write our ensemble with it as an expert (combiner retrained on our
    data). A file sealed under a CP-ABE policy is opened with the keys of --keyring
    (asked of the server's key authority when missing), after the signature check.
    A model that fails a check is refused with the reason; nothing of it runs.
    With ``--combiner ebids-guarded`` our ensemble keeps its decisions and the expert
    only adds alarms above a cut set on our benign flows (``--calibrate``, by default
    our combiner pool's)."""
    require_ml()
    from threatmesh.services.detect import training
    from threatmesh.services.detect.analyst import open_client
    from threatmesh.services.models import importer, protection

    try:
        trusted = importer.trusted_keys(trust)
        ours, _ = training.load(into)
        capture = training.load_chunk(validate)
        calibration = [training.load_chunk(path) for path in calibrate]
        with open_client(url, key) as client:
            shared = importer.fetch(client, ref)
            keys = protection.keyring_keys(client, keyring)
            det, done = importer.import_model(shared, trusted=trusted, ours=ours,
                                              validation=capture, min_f1=min_f1,
                                              combiner=combiner, keys=keys,
                                              calibration=calibration)  # fmt: skip
        training.save(det, out, created=datetime.now(UTC).isoformat())
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(json.dumps(asdict(done)))
