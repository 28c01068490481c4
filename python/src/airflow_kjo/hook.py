"""``KjoHook``: reaches a cluster through an Airflow Connection and starts kjo.

The hook reads the ``kubernetes`` connection type exactly as the provider's
``KubernetesHook`` does (the provider itself is not needed): ``in_cluster``,
``kube_config_path``, ``kube_config`` (inline JSON or YAML), ``cluster_context``,
``namespace`` and ``disable_verify_ssl``, each as an extra with or without the
old ``extra__kubernetes__`` prefix. Arguments given to the hook (the operator's
``in_cluster``, ``config_file``, ``cluster_context``) win over the connection.
When the connection id is ``kubernetes_default`` and no such connection
exists, kjo's own discovery applies (KUBECONFIG, ~/.kube/config, in-cluster).

The hook also owns starting kjo, for the operators and the trigger alike:
bodies, environment values and an inline kube config reach kjo through 0600
files in a private temporary directory that is removed when kjo has exited,
never through its command line (which anyone on the worker can read with
``ps``). Inline kube configs and environment values are registered with
Airflow's secrets masker.

Example::

    hook = KjoHook(kubernetes_conn_id="k8s_prod")
    with hook.kjo_process(["run", "-o", "jsonl", "--image=busybox"], envs={"TOKEN": "s3cret"}) as process:
        for event in process.events():
            print(event["type"])
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List, Mapping, Optional

from airflow_kjo._compat import AirflowException, AirflowNotFoundException, BaseHook, mask_secret
from airflow_kjo.kjo_process import (
    DEFAULT_STOP_TIMEOUT,
    AsyncKjoProcess,
    KjoProcess,
    kjo_environment,
    resolve_kjo_command,
)

DEFAULT_CONN_ID = "kubernetes_default"
_PREFIX = "extra__kubernetes__"


def _get_bool(value: Any) -> Optional[bool]:
    """A connection field as a bool when it clearly is one (the provider's rule), else None."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if value.strip().lower() == "true":
            return True
        if value.strip().lower() == "false":
            return False
    return None


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None:
            return value
    return None


@dataclass
class ClusterAccess:
    """How kjo reaches the cluster, resolved from the hook's arguments and its connection."""

    in_cluster: Optional[bool] = None
    config_file: Optional[str] = None
    #: An inline kube config (text or mapping): a secret, written to a 0600 file only.
    kube_config: Any = None
    cluster_context: Optional[str] = None
    namespace: Optional[str] = None
    disable_verify_ssl: bool = False


class KjoFiles:
    """A private temporary directory (0700) for the files kjo reads; removed on close.

    Example::

        with KjoFiles() as files:
            path = files.write("env.json", '{"A": "1"}')   # mode 0600
    """

    def __init__(self) -> None:
        self.directory = tempfile.mkdtemp(prefix="kjo-")
        os.chmod(self.directory, 0o700)

    def write(self, name: str, text: str) -> str:
        path = os.path.join(self.directory, name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path

    def close(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> "KjoFiles":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _load_kube_config(value: Any, where: str) -> Dict[str, Any]:
    import yaml  # a dependency of Airflow; reads JSON too

    if isinstance(value, Mapping):
        return dict(value)
    try:
        loaded = yaml.safe_load(str(value))
    except yaml.YAMLError as error:
        raise AirflowException(f"{where}: not valid JSON or YAML ({type(error).__name__})") from None
    if not isinstance(loaded, dict):
        raise AirflowException(f"{where}: must be a kube config mapping")
    return loaded


def _without_tls_verify(config: Dict[str, Any]) -> Dict[str, Any]:
    """The kube config with ``insecure-skip-tls-verify: true`` on every cluster entry."""
    for entry in config.get("clusters") or []:
        cluster = entry.get("cluster") if isinstance(entry, dict) else None
        if isinstance(cluster, dict):
            cluster.pop("certificate-authority", None)
            cluster.pop("certificate-authority-data", None)
            cluster["insecure-skip-tls-verify"] = True
    return config


class KjoHook(BaseHook):
    """Cluster access from a ``kubernetes`` Connection, and kjo processes that use it.

    :param kubernetes_conn_id: the connection (type ``kubernetes``). ``kubernetes_default``
        that does not exist means kjo's own discovery; ``None`` too.
    :param in_cluster: use the pod's service account (wins over the connection).
    :param config_file: a kube config file (wins over the connection's ``kube_config_path``).
    :param cluster_context: the kube config context (wins over the connection's).
    :param kjo_env: extra environment variables of the kjo process (``KJO_*`` settings).
    """

    conn_name_attr = "kubernetes_conn_id"
    default_conn_name = DEFAULT_CONN_ID
    conn_type = "kubernetes"
    hook_name = "Kubernetes Cluster Connection"

    def __init__(
        self,
        kubernetes_conn_id: Optional[str] = DEFAULT_CONN_ID,
        *,
        in_cluster: Optional[bool] = None,
        config_file: Optional[str] = None,
        cluster_context: Optional[str] = None,
        kjo_env: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__()
        self.kubernetes_conn_id = kubernetes_conn_id
        self.in_cluster = in_cluster
        self.config_file = config_file
        self.cluster_context = cluster_context
        self.kjo_env = dict(kjo_env or {})
        self._access: Optional[ClusterAccess] = None

    # ------------------------------------------------------------ connection

    def connection_extras(self) -> Dict[str, Any]:
        """The connection's extras; ``{}`` without a connection id or for a missing default."""
        if not self.kubernetes_conn_id:
            return {}
        try:
            connection = self.get_connection(self.kubernetes_conn_id)
        except AirflowNotFoundException:
            if self.kubernetes_conn_id == DEFAULT_CONN_ID:
                self.log.debug("no connection %s: kjo finds the cluster itself", DEFAULT_CONN_ID)
                return {}
            raise
        return dict(connection.extra_dejson or {})

    @staticmethod
    def field(extras: Mapping[str, Any], name: str) -> Any:
        """A connection field, with or without the ``extra__kubernetes__`` prefix (empty: None)."""
        if name in extras:
            return extras[name] or None
        return extras.get(_PREFIX + name) or None

    def cluster_access(self) -> ClusterAccess:
        """How kjo reaches the cluster (read once; the connection is looked up here)."""
        if self._access is not None:
            return self._access
        extras = self.connection_extras()
        access = ClusterAccess(
            in_cluster=_coalesce(self.in_cluster, _get_bool(self.field(extras, "in_cluster"))),
            config_file=_coalesce(self.config_file, self.field(extras, "kube_config_path")),
            kube_config=self.field(extras, "kube_config"),
            cluster_context=_coalesce(self.cluster_context, self.field(extras, "cluster_context")),
            namespace=self.field(extras, "namespace"),
            disable_verify_ssl=_get_bool(self.field(extras, "disable_verify_ssl")) is True,
        )
        chosen = [name for name in ("in_cluster", "config_file", "kube_config") if getattr(access, name)]
        if len(chosen) > 1:
            raise AirflowException(
                f"connection {self.kubernetes_conn_id}: in_cluster, kube_config_path (config_file) and "
                f"kube_config are mutually exclusive; got {', '.join(chosen)}"
            )
        if access.kube_config is not None:
            text = access.kube_config if isinstance(access.kube_config, str) else json.dumps(access.kube_config)
            mask_secret(text)
        self._access = access
        return access

    def get_namespace(self) -> Optional[str]:
        """The connection's namespace (the default when a task names none)."""
        return self.cluster_access().namespace

    def get_conn(self) -> ClusterAccess:
        """Airflow's hook interface: the resolved cluster access."""
        return self.cluster_access()

    def cluster_args(self, files: KjoFiles) -> List[str]:
        """kjo's cluster flags; an inline or TLS-relaxed kube config is written into ``files``."""
        access = self.cluster_access()
        out: List[str] = []
        if access.in_cluster:
            if access.disable_verify_ssl:
                self.log.warning("disable_verify_ssl is not applied to the in-cluster configuration")
            out.append("--in-cluster")
        config: Optional[Dict[str, Any]] = None
        where = f"connection {self.kubernetes_conn_id}"
        if access.kube_config is not None:
            config = _load_kube_config(access.kube_config, f"{where}: kube_config")
        elif access.disable_verify_ssl and not access.in_cluster:
            path = access.config_file or _default_kube_config_path()
            if path and os.path.isfile(os.path.expanduser(path)):
                with open(os.path.expanduser(path), encoding="utf-8") as f:
                    config = _load_kube_config(f.read(), path)
            elif access.config_file:
                raise AirflowException(f"{where}: kube config {access.config_file} not found")
        if config is not None:
            if access.disable_verify_ssl:
                config = _without_tls_verify(config)
            out.append(f"--kubeconfig={files.write('kubeconfig.json', json.dumps(config))}")
        elif access.config_file:
            out.append(f"--kubeconfig={access.config_file}")
        if access.cluster_context:
            out.append(f"--context={access.cluster_context}")
        return out

    # ------------------------------------------------------------ processes

    def _argv(
        self, args: List[str], files: KjoFiles, body: Optional[str], envs: Optional[Mapping[str, Any]], cluster: bool
    ) -> List[str]:
        extra: List[str] = []
        if body is not None:
            extra.append(f"--body-file={files.write('body.yaml', body)}")
        if envs:
            values = {str(k): "" if v is None else str(v) for k, v in envs.items()}
            for value in values.values():
                mask_secret(value)
            extra.append(f"--env-file={files.write('env.json', json.dumps(values))}")
        if cluster:
            extra.extend(self.cluster_args(files))
        return resolve_kjo_command() + list(args) + extra

    def environment(self) -> Dict[str, str]:
        """The environment of a kjo process."""
        return kjo_environment(self.kjo_env)

    @contextlib.contextmanager
    def kjo_process(
        self,
        args: List[str],
        *,
        body: Optional[str] = None,
        envs: Optional[Mapping[str, Any]] = None,
        cluster: bool = True,
        on_stderr: Optional[Callable[[str], None]] = None,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
        on_start: Optional[Callable[[List[str]], None]] = None,
    ) -> Iterator[KjoProcess]:
        """Starts ``kjo ARGS`` (plus body, env and cluster flags); stops it and removes its files on exit.

        :param on_start: called with the full command line before kjo starts (for the task log).
        """
        with KjoFiles() as files:
            argv = self._argv(args, files, body, envs, cluster)
            if on_start is not None:
                on_start(argv)
            process = KjoProcess(argv, env=self.environment(), on_stderr=on_stderr, stop_timeout=stop_timeout)
            try:
                yield process
            finally:
                process.__exit__(None, None, None)

    def run_kjo(
        self,
        args: List[str],
        *,
        body: Optional[str] = None,
        envs: Optional[Mapping[str, Any]] = None,
        cluster: bool = False,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess:
        """Runs a short kjo command to its end (``kjo render``) and returns what it printed."""
        with KjoFiles() as files:
            argv = self._argv(args, files, body, envs, cluster)
            return subprocess.run(
                argv,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                env=self.environment(),
                timeout=timeout,
            )

    @contextlib.asynccontextmanager
    async def kjo_async_process(
        self, args: List[str], *, on_stderr: Optional[Callable[[str], None]] = None
    ) -> AsyncIterator[AsyncKjoProcess]:
        """``kjo ARGS`` under asyncio (the trigger); the connection is resolved off the event loop.

        Leaving the block without waiting for kjo kills it with SIGKILL (a cancelled trigger leaves
        the run alone); its files are removed either way.
        """
        await _off_loop(self.cluster_access)
        with KjoFiles() as files:
            argv = self._argv(args, files, None, None, True)
            process = await AsyncKjoProcess.start(argv, env=self.environment(), on_stderr=on_stderr)
            try:
                yield process
            finally:
                if process.process.returncode is None:
                    process.kill()
                    await process.wait()


def _default_kube_config_path() -> Optional[str]:
    first = (os.environ.get("KUBECONFIG") or "").split(os.pathsep)[0]
    return first or os.path.join(os.path.expanduser("~"), ".kube", "config")


async def _off_loop(function: Callable[[], Any]) -> Any:
    """Runs a blocking call (a connection lookup) without blocking the triggerer's event loop."""
    from asgiref.sync import sync_to_async  # a dependency of Airflow 2.10+, airflow-core and the task SDK

    return await sync_to_async(function)()

