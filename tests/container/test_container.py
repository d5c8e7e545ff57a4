"""The service inside the image, checked from the host: it is ready, answers
from the database that the image's own `migrate` and `seed` filled (so the
image's migrations/ and data/ are complete), serves the image's api/, logs
JSON to stderr, runs as an unprivileged user, and its health check works."""

from __future__ import annotations

import csv
import os
import socket
import threading
import time

import harness

DATASET = "census-2021-demo"
BOROUGH = "E09000003"
WARD = "E05013628"  # Barnet Vale


def census_cell(root, area: str, category: str) -> int:
    """The count for one area and ethnic group in the demo census file that
    `seed` loads: the truth the containerised service must serve."""
    labels = {}
    with open(root / "data" / "categories.csv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["characteristic"] == "ethnicity":
                labels[row["code"]] = row
    with open(root / "data" / "census" / "ts021-ethnicity.csv", newline="", encoding="utf-8") as f:
        rows = {r["geography code"]: r for r in csv.DictReader(f)}
    row = rows[area]
    if category == "total":
        return int(row["Ethnic group: Total: All usual residents"])
    # Census column headings are "Ethnic group: " + the category's ONS label.
    label = list(labels[category].values())[-1]
    return int(row["Ethnic group: " + label])


def test_readyz_reports_database_and_migrations(api, openapi):
    r = api.get("/readyz")
    body = openapi.validate(r, "/readyz")
    assert r.status_code == 200, r.text
    assert body == {"status": "ready", "checks": {"database": "ok", "migrations": "current"}}


def test_healthz(api, openapi):
    r = api.get("/healthz")
    openapi.validate(r, "/healthz")
    assert r.status_code == 200


def test_demographics_counts_come_from_the_seeded_database(api, openapi, root):
    cases = [(BOROUGH, "total"), (WARD, "total"), (WARD, "asian_indian"), (WARD, "white_irish")]
    for area, category in cases:
        want = census_cell(root, area, category)
        assert want >= 5, "pick a cell that disclosure control publishes"
        r = api.get("/v1/demographics", params={
            "dataset": DATASET, "characteristic": "ethnicity", "area": area, "category": category})
        body = openapi.validate(r, "/v1/demographics")
        assert r.status_code == 200, r.text
        assert len(body["data"]) == 1, body
        obs = body["data"][0]
        assert (obs["area"]["code"], obs["category"]["code"]) == (area, category)
        assert obs["suppressed"] is False
        assert obs["value"] == want, f"{area} {category}: served {obs['value']}, data/ says {want}"


def test_borough_population_is_the_published_figure(api):
    r = api.get("/v1/demographics", params={
        "dataset": DATASET, "characteristic": "ethnicity", "area": BOROUGH, "category": "total"})
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["value"] == 389344


def test_served_contract_is_the_images_copy_of_api(api, root):
    r = api.get("/openapi.yaml")
    assert r.status_code == 200
    assert r.content == (root / "api" / "openapi.yaml").read_bytes()


def test_logs_are_json_lines_on_stderr(api, service_log_path):
    r = api.get("/v1/areas", headers={"X-Request-Id": "container-test-log-check"})
    assert r.status_code == 200
    assert r.headers["X-Request-Id"] == "container-test-log-check"

    def logged():
        lines = harness.parse_log_lines(service_log_path.read_text(encoding="utf-8"))
        return [line for line in lines if line.get("client_request_id") == "container-test-log-check"]

    deadline = time.monotonic() + 5
    while not logged() and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = harness.parse_log_lines(service_log_path.read_text(encoding="utf-8"))
    assert lines, "nothing on the service's stderr"
    assert not [line for line in lines if "_unparsed" in line], "a log line that is not JSON"
    entry = logged()
    assert entry, "the request's log line never reached stderr"
    assert entry[0]["route"] == "/v1/areas" and entry[0]["status"] == 200
    stdout = service_log_path.with_name("serve.stdout")
    assert stdout.read_text(encoding="utf-8") == "", "the service wrote to stdout"


def test_service_process_runs_as_the_unprivileged_user(service_pid, image_config):
    user = image_config["Config"]["User"]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) != 0, f"image USER is {user!r}"
    with open(f"/proc/{service_pid}/status", encoding="ascii") as f:
        status = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    assert status["Name"] == "equalities-api"
    # real, effective, saved and file-system ids
    assert set(status["Uid"].split()) == {uid}, status["Uid"]
    assert set(status["Gid"].split()) == {gid}, status["Gid"]


def test_container_user_cannot_change_the_shipped_files(in_container):
    p = in_container("id", "-u")
    assert p.returncode == 0 and p.stdout.strip() == "10001", p
    for path in ("/opt/equalities-api/migrations", "/opt/equalities-api/api/openapi.yaml",
                 "/usr/local/bin/equalities-api"):
        p = in_container("test", "-w", path)
        assert p.returncode == 1, f"{path} is writable by the service user"


def test_image_configuration(image_config):
    cfg = image_config["Config"]
    env = dict(e.split("=", 1) for e in cfg["Env"])
    assert env["EQ_ROOT"] == "/opt/equalities-api"
    assert env["EQ_LISTEN"] == "0.0.0.0:8080"
    assert "EQ_DATABASE_URL" not in env, "no database (or password) baked into the image"
    assert cfg["Entrypoint"] == ["/usr/local/bin/equalities-api"]
    assert cfg["Cmd"] == ["serve"]
    assert "8080/tcp" in cfg["ExposedPorts"]
    # podman reports the Docker-format HEALTHCHECK at the top level.
    hc = image_config.get("Healthcheck") or cfg.get("Healthcheck")
    assert hc and hc["Test"] == ["CMD", "/usr/local/bin/equalities-healthcheck"], hc


def test_healthcheck_passes_on_the_service_and_fails_without_it(in_container, listen):
    ok = in_container("/usr/local/bin/equalities-healthcheck", env={"EQ_LISTEN": listen})
    assert ok.returncode == 0, ok.stderr
    closed = f"127.0.0.1:{harness.free_port()}"
    bad = in_container("/usr/local/bin/equalities-healthcheck", env={"EQ_LISTEN": closed})
    assert bad.returncode == 1, bad
    assert "cannot connect" in bad.stderr


def test_healthcheck_rejects_a_non_200_answer(in_container):
    """Something that answers on the port but is not a healthy service (here
    a socket that answers 503) must fail the check."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def answer():
        conn, _ = srv.accept()
        with conn:
            conn.settimeout(5)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                request += chunk
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")

    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        p = in_container("/usr/local/bin/equalities-healthcheck", env={"EQ_LISTEN": f"127.0.0.1:{port}"})
    finally:
        t.join(timeout=5)
        srv.close()
    assert p.returncode == 1, p
    assert "503" in p.stderr


def test_runtime_image_has_its_libraries_and_no_toolchain(in_container):
    p = in_container("ldd", "/usr/local/bin/equalities-api")
    assert p.returncode == 0, p.stderr
    assert "not found" not in p.stdout, p.stdout
    for lib in ("libmicrohttpd.so.12", "libjansson.so.4", "libpq.so.5", "libglpk.so.40"):
        assert lib in p.stdout
    for tool in ("gcc", "cc", "meson", "ninja", "curl"):
        p = in_container("sh", "-c", f"command -v {tool}")
        assert p.returncode != 0, f"{tool} is in the runtime image: {p.stdout.strip()}"
    p = in_container("test", "-e", "/usr/include/microhttpd.h")
    assert p.returncode == 1, "development headers in the runtime image"


def test_bad_configuration_is_one_line_and_exit_2(in_container):
    """Configuration is the environment: a bad EQ_LISTEN given to the image
    stops it with the service's one-line message and exit code 2 (buildah
    passes the status on and adds lines of its own, after it)."""
    p = in_container("equalities-api", "serve", env={
        "EQ_LISTEN": "nowhere", "EQ_DATABASE_URL": "postgresql://x@127.0.0.1:1/x"})
    assert p.returncode == 2, p
    assert p.stderr.splitlines()[0].startswith("equalities-api: EQ_LISTEN must be"), p.stderr


def test_every_runtime_folder_is_in_the_image(in_container, root):
    for folder in ("api", "migrations", "data"):
        want = sorted(str(p.relative_to(root / folder)) for p in (root / folder).rglob("*")
                      if p.is_file() and "__pycache__" not in p.parts)
        p = in_container("sh", "-c", f"cd /opt/equalities-api/{folder} && find . -type f | sed 's|^./||' | sort")
        assert p.returncode == 0, p.stderr
        assert p.stdout.split() == want, f"{folder}/ differs between the repository and the image"


def test_service_runs_with_the_compose_files_settings(service_log_path):
    """scripts/container-test starts the service with the environment that
    docker/compose.yaml gives `serve` (from docker/.env.example), so those
    values are ones the service accepts; the thread count shows it."""
    env = dict(line.split("=", 1) for line in os.environ["EQ_CONTAINER_SERVE_ENV"].splitlines() if line)
    assert env.get("EQ_THREADS"), env
    lines = harness.parse_log_lines(service_log_path.read_text(encoding="utf-8"))
    listening = [line["msg"] for line in lines if str(line.get("msg", "")).startswith("listening on")]
    assert listening, "no 'listening on' line in the service log"
    assert f"with {env['EQ_THREADS']} threads" in listening[0], listening[0]
