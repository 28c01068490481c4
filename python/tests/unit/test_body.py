"""Body files, body normalization and the image override."""

import json
import os
from pathlib import Path

import pytest

from airflow_kjo.body import body_search_path, body_text, override_image, read_body_file, resolve_body_path


def test_body_text():
    assert body_text("kind: Pod") == "kind: Pod"
    assert json.loads(body_text({"kind": "Pod"})) == {"kind": "Pod"}
    assert json.loads(body_text([{"kind": "Job"}, {"kind": "Service"}])) == [{"kind": "Job"}, {"kind": "Service"}]
    with pytest.raises(TypeError):
        body_text(["not a dict"])
    with pytest.raises(TypeError):
        body_text(42)


def test_resolve_body_path(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "job.yaml").write_text("kind: Job")
    assert resolve_body_path("job.yaml", [str(tmp_path / "a"), str(tmp_path / "b")]) == str(tmp_path / "b" / "job.yaml")
    assert resolve_body_path(str(tmp_path / "b" / "job.yaml"), []) == str(tmp_path / "b" / "job.yaml")
    with pytest.raises(FileNotFoundError, match="looked at"):
        resolve_body_path("missing.yaml", [str(tmp_path / "a")])


def test_read_body_file_ends_with_newline(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text("file: other.yaml")
    assert read_body_file(str(path)) == "file: other.yaml\n"


JOB = """
apiVersion: batch/v1
kind: Job
metadata: {name: j}
spec:
  template:
    spec:
      containers:
        - {name: first, image: a}
        - {name: second, image: b}
---
apiVersion: v1
kind: Service
metadata: {name: s}
"""


def test_override_image_main_container():
    docs = json.loads(override_image(JOB, "new"))
    containers = docs[0]["spec"]["template"]["spec"]["containers"]
    assert [c["image"] for c in containers] == ["new", "b"]
    assert docs[1]["kind"] == "Service"


def test_override_image_annotated_main_container():
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"annotations": {"kubernetes_job_operator.main_container": "main"}},
        "spec": {"containers": [{"name": "side", "image": "s"}, {"name": "main", "image": "m"}]},
    }
    docs = json.loads(override_image(pod, "x"))
    assert [c["image"] for c in docs[0]["spec"]["containers"]] == ["s", "x"]


def test_override_image_needs_containers():
    with pytest.raises(ValueError, match="no containers"):
        override_image({"apiVersion": "v1", "kind": "Service", "spec": {}}, "x")


def test_body_search_path_is_the_callers_directory_then_the_dags_folder_and_search_path():
    from types import SimpleNamespace

    here = str(Path(__file__).resolve().parent)
    assert body_search_path(None) == [here, None]
    assert body_search_path(SimpleNamespace(folder="/dags", template_searchpath="/t")) == [here, "/dags", "/t"]
    assert body_search_path(SimpleNamespace(folder="/dags", template_searchpath=["/a", "/b"])) == [here, "/dags", "/a", "/b"]
