"""Fixtures for tests/container: the service running inside the image built
from docker/Dockerfile, started by scripts/container-test (which sets the
EQ_CONTAINER_* variables below). Run these through that script, not alone.

  EQ_CONTAINER_URL          http://127.0.0.1:PORT of the containerised service
  EQ_CONTAINER_LISTEN       the EQ_LISTEN it was given
  EQ_CONTAINER_LOG          its stderr, captured to a file
  EQ_CONTAINER_IMAGE        the image (podman/buildah name)
  EQ_CONTAINER_NAME         the buildah working container made from it
  EQ_CONTAINER_SERVICE_PID  the service process (as the host sees it)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

ROOT = Path(os.environ.get("EQ_ROOT") or Path(__file__).resolve().parents[2])


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise AssertionError(f"{name} is not set: run these tests through scripts/container-test")
    return value


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def base_url() -> str:
    return _env("EQ_CONTAINER_URL")


@pytest.fixture(scope="session")
def listen() -> str:
    return _env("EQ_CONTAINER_LISTEN")


@pytest.fixture(scope="session")
def api(base_url):
    client = harness.ApiClient(base_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def openapi():
    return harness.load_openapi(ROOT / "api" / "openapi.yaml")


@pytest.fixture(scope="session")
def service_log_path() -> Path:
    return Path(_env("EQ_CONTAINER_LOG"))


@pytest.fixture(scope="session")
def service_pid() -> int:
    return int(_env("EQ_CONTAINER_SERVICE_PID"))


@pytest.fixture(scope="session")
def image_config() -> dict:
    """`podman image inspect` of the image, as a dict."""
    out = subprocess.run(["podman", "image", "inspect", _env("EQ_CONTAINER_IMAGE")],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out)[0]


@pytest.fixture(scope="session")
def in_container():
    """in_container(*argv, env={...}) runs a command in the working
    container made from the image (same user, same files), with the host's
    network; returns the CompletedProcess (never raises on exit status)."""
    name = _env("EQ_CONTAINER_NAME")

    def run(*argv: str, env: dict | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess:
        cmd = ["buildah", "run", "--isolation", "chroot"]
        for k, v in (env or {}).items():
            cmd += ["--env", f"{k}={v}"]
        cmd += [name, "--", *argv]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    return run
