"""``threatmesh detect``: train, run the detection service, evaluate, export to ONNX."""

from __future__ import annotations

import json
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from threatmesh.cli.extras import require_ml
from threatmesh.model.errors import ThreatmeshError

# The services are imported inside each command: they pull in torch, nfstream and
# onnxruntime, which would make every `threatmesh` invocation (even --help) slow.

app = typer.Typer(help="EBIDS: the ensemble deep-learning network IDS.", no_args_is_help=True)


def _fail(exc: ThreatmeshError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(2)


@app.command("train")
def train_cmd(
    chunks: list[Path] = typer.Argument(
        ..., help="Labelled flow CSVs or lab pcaps, one chunk each"
    ),
    out: Path = typer.Option(Path("model.ebids"), "--out", help="Model file to write"),
    detector: str = typer.Option(
        "ebids",
        "--detector",
        help="ebids, ebids-max, ebids-average, ebids-stacking, ebids-guarded, pooled",
    ),
    epochs: int = typer.Option(30, "--epochs"),
    fraction: float = typer.Option(1.0, "--labels", help="Fraction of labels used"),
    seed: int = typer.Option(0, "--seed"),
    threads: int = typer.Option(1, "--threads", help="torch threads (the machine is shared)"),
    quiet: bool = typer.Option(False, "--quiet", help="No progress lines"),
) -> None:
    """Train a detector and write its model file (weights, preprocessing, manifest).
    Progress (each network's epochs and validation macro-F1) goes to stderr."""
    require_ml()
    from threatmesh.services.detect import training as detect_train

    detect_train.set_threads(threads)
    networks = [0]

    def progress(epoch: int, total: int, f1: float) -> None:
        networks[0] += epoch == 1
        typer.echo(f"network {networks[0]}: epoch {epoch}/{total}, validation "
                   f"macro-F1 {f1:.4f}", err=True)  # fmt: skip

    try:
        batches = [detect_train.load_chunk(p) for p in chunks]
        typer.echo(f"{sum(len(b) for b in batches)} flows in {len(batches)} chunks", err=True)
        det = detect_train.train(
            batches, detector=detector, epochs=epochs, fraction=fraction, seed=seed,
            on_epoch=None if quiet else progress,
        )  # fmt: skip
        detect_train.save(det, out, created=datetime.now(UTC).isoformat(),
                          training=detect_train.describe(batches, fraction))  # fmt: skip
    except ThreatmeshError as exc:
        _fail(exc)
    typer.echo(f"{out}: {detector} with models {', '.join(det.models)}", err=True)


@app.command("profile")
def profile_cmd(
    chunks: list[Path] = typer.Argument(
        ..., help="Labelled flow CSVs or lab pcaps (their BENIGN flows are used)"
    ),
    out: Path = typer.Option(Path("benign.profile.json"), "--out", help="Profile to write"),
) -> None:
    """Learn the anomaly detector's benign profile (the second detector: it learns from
    benign traffic only, so it can flag attacks no label names)."""
    require_ml()
    import numpy as np

    from threatmesh.detection.anomaly import BenignProfile
    from threatmesh.services.detect import training as detect_train

    try:
        batches = [detect_train.load_chunk(p) for p in chunks]
    except ThreatmeshError as exc:
        _fail(exc)
    benign = np.vstack([b.features[~b.attack_mask()] for b in batches])
    try:
        profile = BenignProfile.fit(benign)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    out.write_text(json.dumps(profile.to_dict()) + "\n", encoding="utf-8")
    typer.echo(f"{out}: benign profile from {len(benign)} flows", err=True)


def _review_line(r: Any) -> str:
    return f"{r.reviewed} object(s): {r.agreed} agreed, {r.disagreed} disagreed" + (
        f"; {r.tag}" if r.tag else ""
    )


@app.command("review")
def review_cmd(
    profile: Path = typer.Option(..., "--profile", help="From `threatmesh detect profile`"),
    url: str = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL"),
    key: str = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key"),
    event: str | None = typer.Option(None, "--event", help="Only this event (id or UUID)"),
    since: int | None = typer.Option(None, "--since", help="Events changed since (epoch)"),
    threshold: float = typer.Option(0.99, "--threshold", help="Anomaly score for 'attack'"),
    stream: bool = typer.Option(
        False,
        "--stream",
        help="Keep running: review detection events as threatmesh's "
        "event stream announces them (after those changed --since, if given)",
    ),
) -> None:
    """Give EBIDS's detection events a second opinion: the anomaly detector re-scores the
    carved traffic of each detection object, adds its entry to the object's attack-type
    and sets the event's credibility (admiralty-scale) from how far the two agree."""
    require_ml()
    from threatmesh.services.detect.review import load_profile, review_events

    try:
        loaded = load_profile(profile)
        if stream:
            _review_stream(url, key, loaded, version=profile.stem, threshold=threshold,
                           since=since)  # fmt: skip
            return
        reviews = review_events(url, key, loaded, version=profile.stem,
                                threshold=threshold, event=event, since=since)  # fmt: skip
    except ThreatmeshError as exc:
        _fail(exc)
    for r in reviews:
        typer.echo(_review_line(r))


def _review_stream(url: str, key: str, profile: Any, **options: Any) -> None:
    """``review --stream``: until interrupted (Ctrl-C or SIGTERM), one line per review."""
    import signal

    from threatmesh.services.detect.review_stream import StreamReview, follow_detections

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop as on Ctrl-C
    job = StreamReview(url, key, profile, **options)

    def opened() -> None:
        typer.echo(f"listening to {url}/stream/events", err=True)

    def reviewed(uuid: str, review: Any) -> None:
        typer.echo((f"{uuid}: " if uuid else "") + _review_line(review))

    try:
        follow_detections(job, stop=threading.Event(), on_review=reviewed, on_open=opened)
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


@app.command("score")
def score_cmd(
    model: Path = typer.Argument(..., help="A model file from `detect train`"),
    captures: list[Path] = typer.Argument(
        ..., help="Labelled captures: lab pcaps with their .schedule.json, or flow CSVs"
    ),
    threads: int = typer.Option(1, "--threads", help="torch threads"),
) -> None:
    """Score a saved model offline on labelled captures: per-class precision, recall, F1,
    macro-F1 and PR-AUC at the model's threshold, one JSON line per capture."""
    require_ml()
    from threatmesh.services.detect import training as detect_train

    detect_train.set_threads(threads)
    try:
        det, _manifest = detect_train.load(model)
        for capture in captures:
            typer.echo(json.dumps(detect_train.score_capture(det, capture)))
    except ThreatmeshError as exc:
        _fail(exc)


@app.command("run")
def run_cmd(
    watch: Path | None = typer.Option(None, "--watch", help="Directory of pcaps / flow CSVs"),
    nats_url: str | None = typer.Option(None, "--nats-url", help="Also take inputs from NATS"),
    nats_subject: str = typer.Option("threatmesh.captures", "--nats-subject"),
    model: Path = typer.Option(..., "--model", help="Model file"),
    url: str = typer.Option(..., "--url", envvar="THREATMESH_MISP_URL", help="Platform URL"),
    key: str = typer.Option(..., "--key", envvar="THREATMESH_MISP_KEY", help="API key"),
    backend: str = typer.Option("torch", "--backend", help="torch or onnx"),
    threshold: float = typer.Option(0.75, "--threshold"),
    benign_threshold: float = typer.Option(0.01, "--benign-threshold"),
    window: int = typer.Option(300, "--window-seconds", help="Event window per attacker"),
    bank: Path | None = typer.Option(None, "--bank", help="Where benign flows are banked"),
    poll: float = typer.Option(1.0, "--poll-seconds"),
    once: bool = typer.Option(False, "--once", help="Process what is there, then exit"),
    insecure: bool = typer.Option(False, "--insecure", help="Do not verify TLS"),
) -> None:
    """Watch a directory (and/or a NATS subject naming files); publish detections to the
    platform through its MISP API."""
    if watch is None and nats_url is None:
        typer.echo("error: give --watch DIR, --nats-url URL, or both", err=True)
        raise typer.Exit(2)
    require_ml()
    from threatmesh.services.detect import training as detect_train
    from threatmesh.services.detect.service import DetectConfig, connect
    from threatmesh.services.detect.watch import Watcher

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        det, manifest = detect_train.load(model)
    except ThreatmeshError as exc:
        _fail(exc)
    cfg = DetectConfig(
        version=f"{manifest['detector']}/{manifest['sha256']['weights.pt'][:12]}",
        threshold=threshold,
        benign_threshold=benign_threshold,
        window_seconds=window,
    )
    watcher = Watcher(
        watch,
        detect_train.scorer(det, backend),
        connect(url, key, verify_tls=not insecure),
        cfg,
        bank,
        poll,
    )
    if once:
        watcher.poll(wait_stable=False)
        return
    _serve(watcher, nats_url, nats_subject)


def _serve(watcher: Any, nats_url: str | None, subject: str) -> None:
    from threatmesh.services.detect.nats import listen

    stop = threading.Event()
    threads = [threading.Thread(target=watcher.run, args=(stop,), daemon=True)]
    if nats_url:
        args = (nats_url, subject, watcher.process, stop)
        threads.append(threading.Thread(target=listen, args=args, daemon=True))
    for t in threads:
        t.start()
    try:
        while any(t.is_alive() for t in threads):
            threads[0].join(timeout=0.5)
    except KeyboardInterrupt:
        stop.set()


@app.command("evaluate")
def evaluate_cmd(
    chunks: list[Path] = typer.Argument(..., help="Labelled training chunks"),
    holdout: list[Path] = typer.Option([], "--holdout", help="Separate labelled captures"),
    epochs: int = typer.Option(30, "--epochs"),
    seeds: int = typer.Option(1, "--seeds", help="Repeat over this many seeds"),
    fractions: str = typer.Option("1,0.1,0.01", "--labels", help="Label fractions"),
    detectors: str = typer.Option("ebids,pooled", "--detectors", help="Detectors compared"),
    out: Path | None = typer.Option(None, "--out", help="Write all figures as JSON"),
    threads: int = typer.Option(1, "--threads", help="torch threads (the machine is shared)"),
    validation: bool = typer.Option(
        False, "--validation", help="Score on a split of the training parts (design choices)"
    ),
) -> None:
    """Per-class precision/recall/F1, ROC-AUC, PR-AUC: ensemble vs pooled network."""
    require_ml()
    from threatmesh.services.detect import evaluation as detect_eval
    from threatmesh.services.detect import training as detect_train

    detect_train.set_threads(threads)
    try:
        batches = [detect_train.load_chunk(p) for p in chunks]
        held = [detect_train.load_chunk(p) for p in holdout]
    except ThreatmeshError as exc:
        _fail(exc)
    result = detect_eval.evaluate(
        batches,
        held,
        detectors=detectors.split(","),
        epochs=epochs,
        seeds=range(seeds),
        fractions=[float(f) for f in fractions.split(",")],
        validation=validation,
        progress=lambda m: typer.echo(m, err=True),
    )
    result["summary"] = detect_eval.summary(result["results"])
    if out:
        out.write_text(json.dumps(result, indent=1))
    for row in result["summary"]:
        typer.echo(
            f"{row['test']:<16} {row['fraction']:>5.0%} {row['detector']:<8} "
            f"macro-F1 {row['macro_f1']:.4f} (min {row['macro_f1_min']:.4f}; "
            f"{row['macro_f1_at_half']:.4f} at 0.5) PR-AUC {row['pr_auc']:.4f} "
            f"threshold {row['threshold']:.2f}"
        )


@app.command("export-onnx")
def export_cmd(model: Path = typer.Argument(...), out: Path = typer.Option(..., "--out")) -> None:
    """Write a model's network as ONNX (inputs: preprocessed flows)."""
    require_ml()
    from threatmesh.services.detect import training as detect_train

    try:
        det, _ = detect_train.load(model)
    except ThreatmeshError as exc:
        _fail(exc)
    detect_train.export_onnx(det, out)
