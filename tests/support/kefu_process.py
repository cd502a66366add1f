"""`kefu run` as a real server process, on tiny local models, for end-to-end tests.

The models are the tiny random ones the tests build in code (a local directory is
a supported model setting), so a process is ready in seconds; everything else —
settings, migrations, demo shop ingest, index, web app, console, live bus — is
what a shop owner runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.web.live_server import free_port

KEFU = Path(sys.executable).with_name("kefu")


@dataclass(frozen=True)
class TinyModels:
    embedder: Path
    lm: Path


def build_tiny_models(directory: Path) -> TinyModels:
    from dialogue.lm.tiny import build_tiny_chat_model
    from tests.conftest import TINY_PROMPTS, build_tiny_sentence_transformer

    embedder = build_tiny_sentence_transformer(directory / "embedder", prompts=TINY_PROMPTS)
    lm = build_tiny_chat_model(directory / "lm")
    return TinyModels(embedder, lm)


@dataclass(frozen=True)
class KefuServer:
    url: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]


def kefu_env(data_dir: Path, models: TinyModels, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update(
        KEFU_DATA_DIR=str(data_dir),
        KEFU_EMBEDDER=str(models.embedder),
        KEFU_EMBEDDER_ENGLISH="",
        KEFU_LM_MODEL=str(models.lm),
        KEFU_LM_DTYPE="float32",
        KEFU_MAX_NEW_TOKENS="12",
        KEFU_WEB_PORT=str(port),
        KEFU_WEB_HOST="127.0.0.1",
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
    )
    env.update(extra)
    return env


@contextmanager
def kefu_run(
    data_dir: Path,
    models: TinyModels,
    *,
    port: int | None = None,
    startup_s: float = 180.0,
    **extra_env: str,
) -> Iterator[KefuServer]:
    """Start `kefu run`, wait until /readyz answers, stop it with SIGTERM afterwards."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = data_dir / f"kefu-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(KEFU), "run"],
            env=kefu_env(data_dir, models, port, **extra_env),
            cwd=data_dir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = KefuServer(f"http://127.0.0.1:{port}", port, log, process)
    try:
        _wait_ready(server, startup_s)
        yield server
    finally:
        stop(server)


def stop(server: KefuServer, timeout: float = 20.0) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait(5)


def _wait_ready(server: KefuServer, startup_s: float) -> None:
    deadline = time.monotonic() + startup_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"kefu run exited early:\n{server.log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(
        f"kefu run was not ready in {startup_s} s:\n{server.log.read_text()[-4000:]}"
    )
