"""The deployment files that cannot be run here stay in step with the tested nginx config and
the settings: compose.yaml fills every placeholder of deploy/nginx.conf, and every process
manager gives the drain its grace period before it kills."""

import re

import yaml

from tests.ops.nginx import PLACEHOLDER, SITE_TEMPLATE
from tests.workers import PROJECT_DIR

DEPLOY = PROJECT_DIR / "deploy"


def _template_placeholders() -> set[str]:
    settings_lines = [
        line for line in SITE_TEMPLATE.read_text().splitlines() if not line.lstrip().startswith("#")
    ]
    return {match[2:-1] for match in PLACEHOLDER.findall("\n".join(settings_lines))}


def test_compose_fills_every_nginx_placeholder_and_points_at_both_apps():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    nginx = compose["services"]["nginx"]
    provided = {name for name in nginx["environment"] if name.startswith("TASKSTREAM_")}
    assert provided == _template_placeholders()
    upstreams = nginx["environment"]["TASKSTREAM_UPSTREAM_SERVERS"]
    assert re.findall(r"server (\w+):8000;", upstreams) == ["app1", "app2"]
    assert "./nginx.conf:/etc/nginx/templates/default.conf.template:ro" in nginx["volumes"]


def test_compose_gives_the_drain_its_grace():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    for name in ("app1", "app2"):
        app = compose["services"][name]
        grace_s = float(app["environment"]["SHUTDOWN_GRACE_S"])
        assert float(app["stop_grace_period"].removesuffix("s")) >= grace_s + 5
        assert "/readyz" in " ".join(app["healthcheck"]["test"])


def test_the_systemd_unit_signals_the_supervisor_only_and_waits_long_enough():
    unit = (DEPLOY / "taskstream.service").read_text()
    assert "KillMode=mixed" in unit
    assert int(re.search(r"^TimeoutStopSec=(\d+)", unit, re.M)[1]) >= 25 + 5
    assert "config.asgi:application" in unit
    assert "PROMETHEUS_MULTIPROC_DIR=" in unit


def test_the_image_runs_as_a_user_and_collects_static_files():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER taskstream$", dockerfile, re.M)
    assert "collectstatic --noinput" in dockerfile
    assert '--workers \\"$UVICORN_WORKERS\\"' in dockerfile
