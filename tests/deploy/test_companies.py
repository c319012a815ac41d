"""Two companies as two code locations in one workspace, each from its own process and settings.

Two gRPC code servers load pipelines/definitions.py with different COMPANY_CODE values, and
a webserver loads deploy/workspace.companies.yaml pointed at them. Both locations must load
without errors, and no asset key may belong to both, since Dagster refuses to launch an asset
that two locations define.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request

import pytest
import yaml

from tests.browser.dagster_ui import BIN, ROOT, free_port
from tests.deploy.production import wait_for_port

COMPANIES = ("summit_ridge", "north_fork")
QUERY = """{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError {
  __typename ... on PythonError { message }
  ... on RepositoryLocation { repositories { assetNodes { assetKey { path } } jobs { name } } } } } } } }"""


@pytest.fixture
def company_workspace(tmp_path):
    """Start one code server per company and a webserver over the two; yield the webserver's port."""
    processes = []
    workspace = yaml.safe_load((ROOT / "deploy" / "workspace.companies.yaml").read_text())
    try:
        for company, entry in zip(COMPANIES, workspace["load_from"], strict=True):
            port = free_port()
            entry["grpc_server"].update(host="127.0.0.1", port=port)
            log = tmp_path / f"{company}.log"
            env = {**os.environ, "COMPANY_CODE": company, "PYTHONPATH": str(ROOT), "DAGSTER_HOME": str(tmp_path)}
            processes.append(subprocess.Popen(
                [str(BIN / "dagster"), "code-server", "start", "-h", "127.0.0.1", "-p", str(port), "-m",
                 "pipelines.definitions", "-a", "defs", "-d", str(ROOT), "--location-name", company],
                cwd=tmp_path, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
            ))
            wait_for_port(port, processes[-1], log, timeout=180)
        (tmp_path / "workspace.yaml").write_text(yaml.safe_dump(workspace))
        web_port = free_port()
        log = tmp_path / "webserver.log"
        processes.append(subprocess.Popen(
            [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(web_port)],
            cwd=tmp_path, env={**os.environ, "DAGSTER_HOME": str(tmp_path)}, stdout=log.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        ))
        wait_for_port(web_port, processes[-1], log, timeout=180)
        yield web_port
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)["data"]


def test_two_companies_load_side_by_side(company_workspace):
    entries = graphql(company_workspace, QUERY)["workspaceOrError"]["locationEntries"]

    assert sorted(entry["name"] for entry in entries) == sorted(COMPANIES)
    keys_by_company = {}
    for entry in entries:
        location = entry["locationOrLoadError"]
        assert location["__typename"] == "RepositoryLocation", location.get("message")
        repository = location["repositories"][0]
        keys_by_company[entry["name"]] = {tuple(node["assetKey"]["path"]) for node in repository["assetNodes"]}
        assert "labor_nightly" in {job["name"] for job in repository["jobs"]}
    for company, keys in keys_by_company.items():
        assert keys and all(key[0] == company for key in keys)
    assert keys_by_company["summit_ridge"].isdisjoint(keys_by_company["north_fork"])
    assert ("north_fork", "labor_timesheets") in keys_by_company["north_fork"]


def test_invalid_company_code_stops_the_location():
    result = subprocess.run([sys.executable, "-c", "import pipelines.definitions"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120, env={**os.environ, "COMPANY_CODE": "North Fork", "PYTHONPATH": str(ROOT)})

    assert result.returncode != 0
    assert "COMPANY_CODE 'North Fork' is invalid" in result.stderr
