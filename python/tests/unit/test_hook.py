"""KjoHook: the provider's kubernetes connection fields, cluster flags, private files, masking."""

import json
import os

import pytest

from airflow_kjo.hook import KjoFiles, KjoHook

try:  # Airflow 3
    from airflow.sdk._shared.secrets_masker import redact
except ImportError:  # Airflow 2.10
    from airflow.utils.log.secrets_masker import redact

KUBE_CONFIG = {
    "apiVersion": "v1",
    "kind": "Config",
    "clusters": [{"name": "c", "cluster": {"server": "https://10.0.0.1", "certificate-authority-data": "Q0E="}}],
    "users": [{"name": "u", "user": {"token": "hook-secret-token"}}],
    "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
    "current-context": "ctx",
}


def connect(monkeypatch, conn_id, **extra):
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps({"conn_type": "kubernetes", "extra": extra}))


def args_and_files(hook):
    with KjoFiles() as files:
        args = hook.cluster_args(files)
        contents = {}
        for arg in args:
            if arg.startswith("--kubeconfig=") and arg.startswith("--kubeconfig=" + files.directory):
                path = arg.split("=", 1)[1]
                contents[path] = (open(path).read(), oct(os.stat(path).st_mode & 0o777))
        directory = files.directory
    assert not os.path.exists(directory), "the private files are removed"
    return args, contents


def test_missing_default_connection_means_kjo_discovery():
    assert KjoHook().cluster_args(KjoFiles()) == []
    assert KjoHook(None).get_namespace() is None


def test_missing_named_connection_fails():
    from airflow_kjo._compat import AirflowNotFoundException

    with pytest.raises(AirflowNotFoundException):
        KjoHook("no_such_connection").cluster_access()


@pytest.mark.parametrize("prefix", ["", "extra__kubernetes__"])
def test_fields_with_and_without_the_old_prefix(monkeypatch, prefix):
    connect(monkeypatch, "k1", **{f"{prefix}kube_config_path": "/etc/kube/config", f"{prefix}cluster_context": "ctx",
                                  f"{prefix}namespace": "jobs"})
    hook = KjoHook("k1")
    assert hook.cluster_args(KjoFiles()) == ["--kubeconfig=/etc/kube/config", "--context=ctx"]
    assert hook.get_namespace() == "jobs"


def test_in_cluster_and_operator_arguments_win(monkeypatch):
    connect(monkeypatch, "k2", in_cluster=True, cluster_context="conn-ctx")
    assert KjoHook("k2").cluster_args(KjoFiles()) == ["--in-cluster", "--context=conn-ctx"]
    # The operator's own arguments win over the connection's, like KubernetesHook.
    hook = KjoHook("k2", in_cluster=False, config_file="/mine", cluster_context="mine")
    assert hook.cluster_args(KjoFiles()) == ["--kubeconfig=/mine", "--context=mine"]


def test_exclusive_fields_are_refused(monkeypatch):
    connect(monkeypatch, "k3", in_cluster=True, kube_config_path="/k")
    with pytest.raises(Exception, match="mutually exclusive"):
        KjoHook("k3").cluster_access()


@pytest.mark.parametrize("form", ["json", "yaml", "dict"])
def test_inline_kube_config_goes_to_a_private_file_and_is_masked(monkeypatch, form):
    import yaml

    value = {"json": json.dumps(KUBE_CONFIG), "yaml": yaml.safe_dump(KUBE_CONFIG), "dict": KUBE_CONFIG}[form]
    connect(monkeypatch, "k4", kube_config=value)
    args, contents = args_and_files(KjoHook("k4"))
    assert len(args) == 1 and args[0].startswith("--kubeconfig=")
    (text, mode), = contents.values()
    assert json.loads(text) == KUBE_CONFIG and mode == "0o600"
    assert not any("hook-secret-token" in a for a in args)
    if form != "dict":
        assert "hook-secret-token" not in redact(f"config: {value}")


def test_disable_verify_ssl_is_written_into_the_cluster_entry(monkeypatch, tmp_path):
    path = tmp_path / "config"
    path.write_text(json.dumps(KUBE_CONFIG))
    connect(monkeypatch, "k5", kube_config_path=str(path), disable_verify_ssl="True")
    args, contents = args_and_files(KjoHook("k5"))
    (text, mode), = contents.values()
    cluster = json.loads(text)["clusters"][0]["cluster"]
    assert cluster == {"server": "https://10.0.0.1", "insecure-skip-tls-verify": True}
    assert json.loads(path.read_text()) == KUBE_CONFIG  # the user's file is not touched


def test_bad_inline_kube_config_names_the_connection_and_not_the_value(monkeypatch):
    connect(monkeypatch, "k6", kube_config="[unclosed: hook-secret-token")
    with pytest.raises(Exception, match="connection k6: kube_config: not valid JSON or YAML") as error:
        KjoHook("k6").cluster_args(KjoFiles())
    assert "hook-secret-token" not in str(error.value)


def test_env_values_are_masked_and_never_arguments(fake_kjo):
    hook = KjoHook(None)
    with hook.kjo_process(["run", "-o", "jsonl"], body="kind: Job\n", envs={"TOKEN": "env-secret-value", "N": 3}) as p:
        list(p.events(timeout=60))
        p.wait(timeout=60)
    argv = fake_kjo.calls()[0]
    assert not any("env-secret-value" in a for a in argv)
    files = fake_kjo.files_of(argv)
    assert json.loads(files["--env-file"]["text"]) == {"TOKEN": "env-secret-value", "N": "3"}
    assert files["--body-file"]["text"] == "kind: Job\n"
    assert redact("x env-secret-value") == "x ***"
