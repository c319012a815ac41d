"""The container files, checked without Docker: hadolint on the Dockerfile, and the compose file's wiring.

This machine has the Docker client but no daemon, so the image is built only where a daemon
responds (the last test). Everything a build or `docker compose up` would trip over first is
checked here: lint, the files the Dockerfile copies, the commands and ports the services
use, and that the example settings name every variable the code location and the instance read.
"""

from __future__ import annotations

import re
import shutil
from fnmatch import fnmatch
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
HADOLINT = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def example_settings(name: str = "production") -> dict[str, str]:
    lines = (DEPLOY / f"{name}.env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def test_dockerfile_passes_hadolint():
    result = subprocess.run([HADOLINT, str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_copies_existing_paths_and_runs_unprivileged():
    text = (DEPLOY / "Dockerfile").read_text()
    sources = re.findall(r"^COPY (\S+(?: \S+)*) \S+$", text, flags=re.MULTILINE)

    for group in sources:
        for source in group.split():
            assert (ROOT / source).exists(), source
    assert re.search(r"^FROM python:3\.11\.\d+-slim-bookworm$", text, flags=re.MULTILINE)
    assert re.search(r"^USER 10001$", text, flags=re.MULTILINE)
    assert "PASSWORD" not in text


def test_every_package_the_code_location_imports_is_copied():
    text = (DEPLOY / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\w+)/ ", text, flags=re.MULTILINE))
    imported = set()
    for package in copied:
        for path in (ROOT / package).rglob("*.py"):
            imported |= set(re.findall(r"^(?:from|import) (\w+)", path.read_text(), flags=re.MULTILINE))
    project_packages = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}

    assert imported & project_packages <= copied


def test_compose_wires_the_services_together():
    services = compose()["services"]
    workspace = yaml.safe_load((DEPLOY / "workspace.yaml").read_text())["load_from"][0]["grpc_server"]

    assert set(services) == {"postgres", "code", "webserver", "daemon"}
    code_command = services["code"]["command"]
    assert workspace["host"] == "code"
    assert code_command[code_command.index("-p") + 1] == str(workspace["port"])
    assert code_command[code_command.index("--location-name") + 1] == workspace["location_name"]
    for name in ("code", "webserver", "daemon"):
        assert services[name]["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
        assert services[name]["env_file"] == "production.env"
        assert "dagster-storage:/opt/dagster/home/storage" in services[name]["volumes"]  # step logs
    assert services["postgres"]["env_file"] == "postgres.env"  # no Odoo or SFTP secret in the database container
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]  # the UI is not published beyond the host
    mounted = [volume.split(":")[0] for volume in services["postgres"]["volumes"] if volume.startswith("./")]
    assert all((DEPLOY / path).exists() for path in mounted)


def test_example_settings_name_every_variable_read():
    settings = example_settings()
    definitions = (ROOT / "pipelines" / "definitions.py").read_text()
    required = set(re.findall(r'EnvVar(?:\.int)?\("([A-Z_]+)"\)', definitions))
    instance = set(re.findall(r"env: ([A-Z_]+)", (DEPLOY / "dagster.yaml").read_text()))

    assert required - set(settings) == set()
    assert instance - set(settings) == set()
    assert settings["LABOR_SFTP_KNOWN_HOSTS"] == "/etc/field-to-odoo/known_hosts"
    database = example_settings("postgres")
    assert set(database) == {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
    assert (database["POSTGRES_USER"], database["POSTGRES_DB"]) == (settings["DAGSTER_PG_USER"], settings["DAGSTER_PG_DB"])
    secrets = {name: value for name, value in {**settings, **database}.items() if "PASSWORD" in name}
    assert secrets and all(value == "CHANGE_ME" for value in secrets.values())


def test_settings_files_are_ignored():
    for ignore_file in (ROOT / ".gitignore", ROOT / ".dockerignore"):
        patterns = ignore_file.read_text().splitlines()

        assert "deploy/secrets/" in patterns
        for settings_file in ("deploy/production.env", "deploy/postgres.env", "deploy/north_fork.env"):
            assert any(fnmatch(settings_file, pattern) for pattern in patterns), (ignore_file.name, settings_file)
        for example in ("deploy/production.env.example", "deploy/postgres.env.example"):
            assert not any(fnmatch(example, pattern) for pattern in patterns), (ignore_file.name, example)


def docker_daemon_answers() -> bool:
    if not shutil.which("docker"):
        return False
    return subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode == 0


@pytest.mark.skipif(not docker_daemon_answers(), reason="no Docker daemon on this machine; the files are linted above")
def test_image_builds():
    result = subprocess.run(["docker", "build", "-f", "deploy/Dockerfile", "-t", "field-to-odoo:test", "."],
                            cwd=ROOT, capture_output=True, text=True, timeout=1200)

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_kubernetes_run_launcher_settings_validate():
    from dagster._config import process_config
    from dagster_k8s import K8sRunLauncher

    section = yaml.safe_load((DEPLOY / "kubernetes" / "run-launcher.yaml").read_text())["run_launcher"]
    instance = yaml.safe_load((DEPLOY / "dagster.yaml").read_text())

    assert (section["module"], section["class"]) == ("dagster_k8s", "K8sRunLauncher")
    assert "run_launcher" not in instance  # the section is added, not replaced
    result = process_config(K8sRunLauncher.config_type(), {**section["config"], "job_image": "field-to-odoo:1"})
    assert result.success, [error.message for error in result.errors]
    dagster_home = next(line.split("=", 1)[1] for line in (DEPLOY / "Dockerfile").read_text().split()
                        if line.startswith("DAGSTER_HOME="))
    assert section["config"]["dagster_home"] == dagster_home
