"""The [kubernetes_job_operator] section and the provider entry point."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from airflow_kjo.config import OPTIONS, SECTION, load_settings
from airflow_kjo.provider_info import get_provider_info

ORIGINAL_OPTIONS = {
    "delete_policy",
    "default_execution_object",
    "detect_kubernetes_log_level",
    "show_kubernetes_timestamps",
    "show_runner_id",
    "startup_timeout_seconds",
    "validate_body_on_init",
    "kube_config_extra_locations",
}


def test_options_cover_the_original_plus_deferrable_and_events():
    assert set(OPTIONS) == ORIGINAL_OPTIONS | {"deferrable", "events"}


def test_defaults():
    settings = load_settings()
    assert settings.delete_policy == "IfSucceeded"
    assert settings.default_execution_object == "Job"
    assert settings.startup_timeout_seconds == 120
    assert settings.deferrable is False
    assert settings.kube_config_extra_locations == []


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DELETE_POLICY", "Always")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DEFERRABLE", "True")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__STARTUP_TIMEOUT_SECONDS", "30")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__KUBE_CONFIG_EXTRA_LOCATIONS", "/a, /b")
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__SHOW_RUNNER_ID", "true")
    settings = load_settings()
    assert (settings.delete_policy, settings.deferrable, settings.startup_timeout_seconds) == ("Always", True, 30)
    assert settings.kube_config_extra_locations == ["/a", "/b"]
    env = settings.kjo_environment()
    assert env["KJO_KUBE_CONFIG_EXTRA_LOCATIONS"] == "/a,/b" and env["KJO_SHOW_RUNNER_ID"] == "true"


def test_bad_value_names_the_option(monkeypatch):
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DELETE_POLICY", "Sometimes")
    with pytest.raises(ValueError, match=r"\[kubernetes_job_operator\] delete_policy"):
        load_settings()


def test_provider_info_matches_airflow_schema():
    import airflow
    import jsonschema

    schema = json.loads((Path(airflow.__file__).parent / "provider_info.schema.json").read_text())
    info = get_provider_info()
    jsonschema.validate(info, schema)
    options = info["config"][SECTION]["options"]
    assert options["delete_policy"]["default"] == "IfSucceeded"
    assert options["deferrable"]["default"] == ""
    assert info["connection-types"] == [{"hook-class-name": "airflow_kjo.hook.KjoHook", "connection-type": "kubernetes"}]
    assert info["hooks"][0]["python-modules"] == ["airflow_kjo.hook"]


def test_deferrable_defaults_from_operators_default_deferrable(monkeypatch):
    monkeypatch.setenv("AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE", "True")
    assert load_settings().deferrable is True
    # the package's own option still wins
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DEFERRABLE", "False")
    assert load_settings().deferrable is False
    monkeypatch.setenv("AIRFLOW__KUBERNETES_JOB_OPERATOR__DEFERRABLE", "maybe")
    with pytest.raises(ValueError, match=r"\[kubernetes_job_operator\] deferrable"):
        load_settings()


def test_airflow_lists_the_provider_and_its_config(tmp_path):
    """The entry point is installed: Airflow's own CLI lists the package and the section's defaults."""
    env = {
        "AIRFLOW_HOME": str(tmp_path),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__KUBERNETES_JOB_OPERATOR__STARTUP_TIMEOUT_SECONDS": "77",
        "PATH": "/usr/bin:/bin",
    }
    airflow = [sys.executable, "-m", "airflow"]
    listed = subprocess.run([*airflow, "providers", "list", "-o", "json"], env=env, capture_output=True, text=True, timeout=300)
    assert listed.returncode == 0, listed.stderr[-3000:]
    names = [p["package_name"] for p in json.loads(listed.stdout[listed.stdout.index("[") :])]
    assert "airflow-kjo" in names
    for option, expected in [("default_execution_object", "Job"), ("delete_policy", "IfSucceeded"), ("startup_timeout_seconds", "77")]:
        got = subprocess.run(
            [*airflow, "config", "get-value", SECTION, option], env=env, capture_output=True, text=True, timeout=300
        )
        assert got.returncode == 0, got.stderr[-3000:]
        assert got.stdout.strip().splitlines()[-1] == expected
