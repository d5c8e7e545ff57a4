"""docker/compose.yaml: valid for compose (checked offline with Debian's
docker-compose, which validates against the Compose schema), wired in the
order the service needs, with health checks, and with no secret in the file:
they come from docker/.env, whose example lists every variable used."""

from __future__ import annotations

import os
import re
import subprocess
from urllib.parse import urlsplit

import pytest
import yaml

COMPOSE_CMD = ["docker-compose", "--project-name", "equalities-check"]


@pytest.fixture(scope="module")
def docker_dir(root):
    return root / "docker"


def compose_config(docker_dir, env_file=None, extra_env=None):
    cmd = COMPOSE_CMD + ["-f", str(docker_dir / "compose.yaml")]
    if env_file:
        cmd += ["--env-file", str(env_file)]
    # Only what the test gives: no POSTGRES_* or EQ_* from the caller's shell.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("POSTGRES_", "EQ_", "COMPOSE_"))}
    env.update(extra_env or {})
    return subprocess.run(cmd + ["config"], capture_output=True, text=True, timeout=60,
                          cwd=docker_dir, env=env)


@pytest.fixture(scope="module")
def config(docker_dir):
    p = compose_config(docker_dir, env_file=docker_dir / ".env.example")
    assert p.returncode == 0, p.stderr
    return yaml.safe_load(p.stdout)


@pytest.fixture(scope="module")
def raw(docker_dir):
    with open(docker_dir / "compose.yaml", encoding="utf-8") as f:
        return f.read()


def test_services_and_start_order(config):
    s = config["services"]
    assert set(s) == {"db", "migrate", "seed", "serve"}
    assert s["db"]["image"] == "postgres:15-bookworm"
    assert s["migrate"]["command"] == ["migrate"]
    assert s["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert s["migrate"]["restart"] == "no"
    assert s["seed"]["command"] == ["seed"]
    assert s["seed"]["profiles"] == ["seed"]
    assert s["seed"]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
    assert s["serve"]["command"] == ["serve"]
    assert s["serve"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert s["serve"]["depends_on"]["db"] == {"condition": "service_healthy"}
    assert "profiles" not in s["serve"] and "profiles" not in s["migrate"]


def test_one_image_built_from_the_dockerfile(config, root):
    s = config["services"]
    images = {s[n]["image"] for n in ("migrate", "seed", "serve")}
    assert len(images) == 1, images
    for n in ("migrate", "seed", "serve"):
        build = s[n]["build"]
        assert os.path.realpath(build["context"]) == os.path.realpath(root)
        assert build["dockerfile"] == "docker/Dockerfile"
    assert (root / build["dockerfile"]).is_file()


def test_health_checks(config, root):
    s = config["services"]
    db = s["db"]["healthcheck"]["test"]
    assert db[0] == "CMD-SHELL" and "pg_isready" in db[1]
    serve = s["serve"]["healthcheck"]["test"]
    # The same check as the image's HEALTHCHECK (tests/container/test_container.py).
    assert serve == ["CMD", "/usr/local/bin/equalities-healthcheck"]
    dockerfile = (root / "docker" / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["/usr/local/bin/equalities-healthcheck"]' in dockerfile


def test_database_on_a_named_volume(config):
    assert "pgdata" in config["volumes"]
    assert "pgdata:/var/lib/postgresql/data:rw" in config["services"]["db"]["volumes"] or \
        any(str(v).startswith("pgdata:/var/lib/postgresql/data") for v in config["services"]["db"]["volumes"])


def test_service_listens_on_all_interfaces_inside_and_is_published(config):
    serve = config["services"]["serve"]
    assert serve["environment"]["EQ_LISTEN"] == "0.0.0.0:8080"
    ports = serve["ports"]
    assert any((p.get("target") if isinstance(p, dict) else str(p).split(":")[-1].split("/")[0])
               in (8080, "8080") for p in ports), ports


def test_every_api_service_gets_the_database_from_the_env_file(config):
    # The owner migrates and seeds; serve connects as the service's own role,
    # to which migrate grants its rights.
    for n in ("migrate", "seed"):
        url = config["services"][n]["environment"]["EQ_DATABASE_URL"]
        assert url == "postgresql://equalities:change-me@db:5432/equalities", (n, url)
    url = config["services"]["serve"]["environment"]["EQ_DATABASE_URL"]
    assert url == "postgresql://equalities_service:change-me@db:5432/equalities", url
    assert config["services"]["migrate"]["environment"]["EQ_SERVICE_ROLE"] == "equalities_service"
    assert "EQ_SERVICE_ROLE" not in config["services"]["serve"]["environment"]


def host_ip(port) -> str:
    """The host address of a published port, in the long or the short syntax
    (docker-compose v1 prints "127.0.0.1:8080:8080/tcp")."""
    if isinstance(port, dict):
        return port.get("host_ip", "")
    parts = str(port).split(":")
    return parts[0] if len(parts) == 3 else ""


def test_published_on_loopback_unless_told_otherwise(config, docker_dir):
    (port,) = config["services"]["serve"]["ports"]
    assert host_ip(port) == "127.0.0.1", port
    p = compose_config(docker_dir, env_file=docker_dir / ".env.example",
                       extra_env={"EQ_HTTP_BIND": "0.0.0.0"})
    assert p.returncode == 0, p.stderr
    (port,) = yaml.safe_load(p.stdout)["services"]["serve"]["ports"]
    assert host_ip(port) == "0.0.0.0", port


@pytest.mark.parametrize("password,service_password", [
    ("change-me", "a-real-one"), ("a-real-one", "change-me"), ("", "a-real-one")])
def test_the_database_refuses_the_example_passwords(docker_dir, config, password,
                                                     service_password):
    assert config["services"]["db"]["entrypoint"] == ["/usr/local/bin/eq-db-entrypoint.sh"]
    p = subprocess.run(["sh", str(docker_dir / "db-entrypoint.sh"), "postgres"],
                       capture_output=True, text=True, timeout=30,
                       env={"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": password,
                            "EQ_SERVICE_DB_PASSWORD": service_password})
    assert p.returncode == 64, (p.returncode, p.stderr)
    assert "refusing to start" in p.stderr


def _environments(doc):
    for name, service in doc["services"].items():
        for key, value in (service.get("environment") or {}).items():
            yield name, key, "" if value is None else str(value)


def test_no_secret_in_the_compose_file(raw):
    """With every ${...} taken out, no password is left in the file."""
    assert "change-me" not in raw
    stripped = yaml.safe_load(re.sub(r"\$\{[^}]*\}", "", raw))
    seen = 0
    for service, key, value in _environments(stripped):
        if re.search(r"PASSWORD|SECRET|TOKEN", key):
            seen += 1
            assert value == "", f"{service}: {key} has a literal value"
        if "://" in value:
            assert not urlsplit(value).password, f"{service}: {key} has a literal password"
    assert seen, "expected POSTGRES_PASSWORD in the db service"


def test_the_password_comes_from_the_env_file(docker_dir, tmp_path):
    secret = "s3cret" + os.urandom(8).hex()
    env_file = tmp_path / ".env"
    text = (docker_dir / ".env.example").read_text(encoding="utf-8")
    service_secret = "s3rv1ce" + os.urandom(8).hex()
    env_file.write_text(text.replace("POSTGRES_PASSWORD=change-me", f"POSTGRES_PASSWORD={secret}")
                        .replace("EQ_SERVICE_DB_PASSWORD=change-me",
                                 f"EQ_SERVICE_DB_PASSWORD={service_secret}"),
                        encoding="utf-8")
    p = compose_config(docker_dir, env_file=env_file)
    assert p.returncode == 0, p.stderr
    doc = yaml.safe_load(p.stdout)
    assert doc["services"]["db"]["environment"]["POSTGRES_PASSWORD"] == secret
    assert doc["services"]["db"]["environment"]["EQ_SERVICE_DB_PASSWORD"] == service_secret
    for n, pw in (("migrate", secret), ("seed", secret), ("serve", service_secret)):
        url = urlsplit(doc["services"][n]["environment"]["EQ_DATABASE_URL"])
        assert (url.hostname, url.port, url.password) == ("db", 5432, pw), n


def test_a_missing_password_is_refused(docker_dir):
    p = compose_config(docker_dir, extra_env={"EQ_HTTP_PORT": "8080"})
    assert p.returncode != 0
    assert "POSTGRES_PASSWORD" in p.stderr, p.stderr


def test_env_example_lists_every_variable_the_file_uses(raw, docker_dir):
    used = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", raw))
    example = {}
    for line in (docker_dir / ".env.example").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            k, _, v = line.partition("=")
            example[k] = v
    assert used, "no variables found in compose.yaml"
    assert used <= set(example), f"missing from .env.example: {sorted(used - set(example))}"


def test_the_real_env_file_is_never_committed_or_sent_to_a_build(root):
    gitignore = (root / ".gitignore").read_text(encoding="utf-8").split()
    dockerignore = (root / ".dockerignore").read_text(encoding="utf-8").split()
    assert "docker/.env" in gitignore
    assert "docker/.env" in dockerignore
    for pattern in (".git", "build*/", "node_modules/", ".pgdata/", "test-artifacts/"):
        assert pattern in dockerignore, pattern
