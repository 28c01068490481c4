"""``KubernetesJobOperator``: runs an Airflow task as Kubernetes resources
through the kjo binary.

Example DAG::

    from airflow_kjo import KubernetesJobOperator

    KubernetesJobOperator(
        task_id="hello",
        image="busybox",
        command=["sh", "-c", "echo hello {{ ds }}"],
    )
    KubernetesJobOperator(
        task_id="from-file",
        body_filepath="templates/job.yaml",   # relative to the DAG file; rendered with Jinja
        jinja_job_args={"greeting": "hi"},    # {{ job.greeting }} in the file
        delete_policy="Always",
    )

How a task runs: the operator turns its (rendered) arguments into a ``kjo run
-o jsonl --no-templating ...`` argument list (never a shell string); its
``KjoHook`` adds the cluster flags from the Airflow Connection
(``kubernetes_conn_id``), passes the body and the environment values in 0600
files, and starts kjo. The operator writes each log line to the task log as ``pod/container | line``, pushes
XCom from ``::kube_api:xcom={...}`` lines, calls ``on_kube_api_event`` for
every api event, and raises ``AirflowException`` with kjo's reason and
summary when the run fails. Every run carries identity labels (dag, task, run,
map index) so a retry or a restarted worker reattaches to a run that is still
alive instead of starting a second one. ``on_kill`` sends kjo SIGTERM: kjo
deletes the run's resources and exits 143. With ``deferrable=True`` the worker
only submits the run; a trigger follows it without a worker slot and writes
the pod logs to the task log as they come, and ``execute_complete`` pushes
XCom and applies the delete policy. The task's ``execution_timeout`` becomes
kjo's ``--execution-timeout`` and the first resource's
``activeDeadlineSeconds`` (when the body sets none), deferred or not. With
``do_xcom_push`` (the default) the task returns the run's XCom dict, so
``.output`` and ``xcom_pull(task_ids=...)`` get it.
"""

from __future__ import annotations

import functools
import secrets
import time
import shlex
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from airflow_kjo._compat import AirflowException, BaseOperator
from airflow_kjo.body import (
    TEMPLATE_EXTENSIONS,
    body_search_path,
    body_text,
    override_image,
    read_body_file,
    resolve_body_path,
)
from airflow_kjo.config import DELETE_POLICIES, Settings, load_settings
from airflow_kjo.events import ApiEventCallback, EventRelay, failure_message
from airflow_kjo.hook import DEFAULT_CONN_ID, KjoHook
from airflow_kjo.identity import TRY_NUMBER_LABEL, identity_from_context, try_number_from_context
from airflow_kjo.kjo_args import RunRequest, _seconds, attach_args, render_args, run_args
from airflow_kjo.kjo_process import DEFAULT_STOP_TIMEOUT, KjoProcess
from airflow_kjo.xcom import xcom_value_parser

BodyType = Union[str, Dict[str, Any], List[Dict[str, Any]], None]

#: XCom keys pushed (with ``do_xcom_push``) besides the run's own, like
#: KubernetesPodOperator's ``pod_name``/``pod_namespace``. A deferred task
#: pushes the first two before deferring: a deferral timeout finds its run by them.
RUN_ID_XCOM_KEY = "kjo_run_id"
NAMESPACE_XCOM_KEY = "kjo_namespace"
RESOURCES_XCOM_KEY = "kjo_resources"
#: The error a deferral timeout resumes the task with (Airflow 3, Airflow 2).
_DEFERRAL_TIMEOUT_ERRORS = ("Trigger timeout", "Trigger/execution timeout")


def new_run_id() -> str:
    """A kjo run id: 12 lowercase letters and digits (valid as a label value).

    Example::

        len(new_run_id())  # 12
    """
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _short_command(argv: Sequence[str], limit: int = 200) -> str:
    """The command line for the task log, long values cut (it holds no secrets: see KjoHook).

    Example::

        _short_command(["kjo", "run", "--image=busybox"])  # "kjo run --image=busybox"
    """
    parts = []
    for arg in argv:
        parts.append(arg if len(arg) <= limit else arg[:limit] + f"...({len(arg)} chars)")
    return shlex.join(parts)


#: The instance attribute that counts the ``__init__`` calls under way (see ``_checked_when_built``).
_INIT_DEPTH = "_kjo_init_depth"


def _checked_when_built(init: Callable[..., None]) -> Callable[..., None]:
    """Wraps an ``__init__`` of ``KubernetesJobOperator`` or of a subclass: when
    the outermost of them returns, the task is checked once (``_check_built``).

    ``KubernetesJobOperator.__init__`` is wrapped where it is defined, each
    subclass's by ``KubernetesJobOperator.__init_subclass__``, inside Airflow's
    own wrapper (``BaseOperatorMeta`` wraps the class's ``__init__`` after the
    class is made), so default arguments, ``partial().expand()`` and the
    signature Airflow reads through ``__wrapped__`` are those of the plain
    ``__init__``. The depth is counted on the instance, so a subclass's
    ``super().__init__`` is never taken for the outermost call, however deep
    the hierarchy; the count is removed when the outermost call returns.
    """

    @functools.wraps(init)
    def checked_init(self: "KubernetesJobOperator", *args: Any, **kwargs: Any) -> None:
        depth = self.__dict__.get(_INIT_DEPTH, 0)
        object.__setattr__(self, _INIT_DEPTH, depth + 1)  # not through BaseOperator.__setattr__
        try:
            init(self, *args, **kwargs)
        finally:
            if depth:
                object.__setattr__(self, _INIT_DEPTH, depth)
            else:
                object.__delattr__(self, _INIT_DEPTH)
        if depth == 0:
            _check_built(self)

    return checked_init


def _check_built(task: "KubernetesJobOperator") -> None:
    """The checks of a fully built task, run once when its outermost ``__init__``
    returns: a subclass has set every attribute its ``build_body`` reads, before
    or after ``super().__init__``.

    Raises ValueError when the task has no body source, when
    ``validate_body_on_init=True`` was asked for a body only Jinja can build,
    or when ``kjo render`` rejects the body (``validate_body_on_init``).
    """
    if task.body is None and task.image is None and not task._builds_own_body():
        raise ValueError(f"{task.task_id}: give one of body, body_filepath or image")
    if not task._validate_body_on_init:
        return
    if task.enable_jinja and task.body is not None and not isinstance(task.body, (dict, list)):
        if task._validate_body_on_init_asked:
            raise ValueError(
                f"{task.task_id}: validate_body_on_init=True needs enable_jinja=False or a dict/list "
                "body: a Jinja template can only be built when the task runs"
            )
        return  # on by the config: a template body is checked when the task runs
    task.validate_body()


class KubernetesJobOperator(BaseOperator):
    """Runs a task as a Kubernetes Job, a Pod, several resources or a custom kind.

    The body is one of: ``body`` (a YAML/JSON string, a dict, or a list of
    dicts), ``body_filepath`` (a YAML/JSON file; relative paths are resolved
    from the DAG file's directory, then the DAG folder and template search
    path), or ``image`` (+ ``command``/``arguments``) on the default Job (or
    Pod, per ``default_execution_object``). Given with a body, ``image``
    replaces the main container's image.

    :param command: the main container's command, e.g. ``["sh", "-c", "echo ok"]``. (templated)
    :param arguments: the main container's arguments. (templated)
    :param image: the image of the main container. (templated)
    :param namespace: namespace of the resources (default: body, context, service account). (templated)
    :param name_prefix: prefix of every resource name (default: the task id). (templated)
    :param name_postfix: postfix of every resource name. (templated)
    :param random_name_postfix_length: random characters at the end of names (default 8; 0: none).
    :param envs: environment variables of every container of the first resource. (templated)
    :param labels: labels of every resource. (templated)
    :param body: the body: YAML/JSON string, dict or list of dicts. (templated)
    :param body_filepath: a YAML/JSON body file, rendered with Jinja like ``body``.
    :param image_pull_policy: Always, IfNotPresent or Never, for the main container.
    :param image_pull_secrets: names of image pull secrets. (templated)
    :param delete_policy: Always, Never, IfFailed or IfSucceeded (default from config: IfSucceeded).
    :param in_cluster: use the pod's service account.
    :param config_file: a kubeconfig file. (templated)
    :param get_logs: relay the pods' logs into the task log (default True).
    :param cluster_context: the kubeconfig context. (templated)
    :param startup_timeout_seconds: seconds until something of the run must run (default from config: 120).
    :param validate_body_on_init: build and check the body when the DAG is parsed (needs
        ``enable_jinja=False`` or a dict/list body).
    :param enable_jinja: render the templated arguments and the body with Jinja (default True).
    :param jinja_job_args: values reachable in templates as ``job`` (``{{ job.x }}``).
    :param on_kube_api_event: called as ``f(event, context)`` for every ``::kube_api:NAME=VALUE``
        line, as the original does (``event.name``, ``event.value``: the raw text after ``=``,
        ``event.line``: pod, container, namespace).
    :param parse_xcom_event: parses an ``xcom`` event's raw value into a dict
        (default: a JSON object); each key becomes an XCom.
    :param mount_files_from_secret: ``{secret: {key: "/abs/path"}}``: mounts secret keys as files
        in the main container. (templated)
    :param deferrable: submit, then free the worker slot while a trigger follows the run
        (default from config: False).
    :param reattach: reattach to a live run of the same task instance (a retry after a worker died)
        instead of starting a second one (default True).
    :param kill_timeout: seconds kjo gets to delete the run's resources when the task is killed.
    :param kubernetes_conn_id: the Airflow Connection (type ``kubernetes``) to reach the cluster
        with; ``in_cluster``, ``config_file`` and ``cluster_context`` win over its fields. A missing
        ``kubernetes_default`` means kjo's own discovery. (templated)

    With ``do_xcom_push`` (default True) ``execute`` returns the run's XCom dict
    (``.output``, ``xcom_pull(task_ids=...)``) and pushes ``kjo_run_id``,
    ``kjo_namespace`` and ``kjo_resources``; each key of the run's XCom is also
    pushed on its own, always.

    Subclasses: ``__init__`` calls no method a subclass can override. What
    needs the whole task (the body-source check, ``validate_body_on_init``)
    runs once, when the outermost ``__init__`` of the hierarchy returns, so a
    subclass sets its own attributes before or after ``super().__init__`` as
    it likes; override ``build_body`` (and ``_builds_own_body``) to build the
    body from them.
    """

    template_fields: Sequence[str] = (
        "command",
        "arguments",
        "image",
        "namespace",
        "name_prefix",
        "name_postfix",
        "envs",
        "labels",
        "body",
        "config_file",
        "cluster_context",
        "image_pull_secrets",
        "mount_files_from_secret",
        "kubernetes_conn_id",
    )
    # The body file is read when the task is built and rendered as the body;
    # no other field is ever taken for a template file name (a command holding
    # "/etc/app/config.yaml" stays that string).
    template_ext: Sequence[str] = ()
    template_fields_renderers = {"body": "yaml", "envs": "json", "labels": "json", "command": "py"}
    ui_color = "#d6e9ff"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Wraps a subclass's own ``__init__`` (see ``_checked_when_built``)."""
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _checked_when_built(cls.__dict__["__init__"])  # type: ignore[method-assign]

    @_checked_when_built
    def __init__(
        self,
        *,
        task_id: str,
        command: Optional[List[str]] = None,
        arguments: Optional[List[str]] = None,
        image: Optional[str] = None,
        namespace: Optional[str] = None,
        name_prefix: Optional[str] = None,
        name_postfix: Optional[str] = None,
        random_name_postfix_length: Optional[int] = 8,
        envs: Optional[Dict[str, Any]] = None,
        labels: Optional[Dict[str, Any]] = None,
        body: BodyType = None,
        body_filepath: Optional[str] = None,
        image_pull_policy: Optional[str] = None,
        image_pull_secrets: Optional[List[str]] = None,
        delete_policy: Optional[str] = None,
        in_cluster: Optional[bool] = None,
        config_file: Optional[str] = None,
        get_logs: bool = True,
        cluster_context: Optional[str] = None,
        startup_timeout_seconds: Optional[float] = None,
        validate_body_on_init: Optional[bool] = None,
        enable_jinja: bool = True,
        jinja_job_args: Optional[Dict[str, Any]] = None,
        on_kube_api_event: Optional[ApiEventCallback] = None,
        parse_xcom_event: Callable[[str], Dict[str, Any]] = xcom_value_parser,
        mount_files_from_secret: Optional[Dict[str, Dict[str, str]]] = None,
        deferrable: Optional[bool] = None,
        reattach: bool = True,
        kill_timeout: float = DEFAULT_STOP_TIMEOUT,
        kubernetes_conn_id: Optional[str] = DEFAULT_CONN_ID,
        **kwargs: Any,
    ) -> None:
        super().__init__(task_id=task_id, **kwargs)
        settings = load_settings()
        if isinstance(body, str) and _looks_like_path(body) and body_filepath is None:
            body_filepath, body = body, None
        if body_filepath is not None:
            body_filepath = resolve_body_path(body_filepath, body_search_path(getattr(self, "_dag", None)))
            if body is None:
                body = read_body_file(body_filepath)
        if body is not None and not isinstance(body, (str, dict, list)):
            raise TypeError(f"{task_id}: body must be a YAML/JSON string, a dict or a list of dicts")
        if envs is not None and not isinstance(envs, dict):
            raise TypeError(f"{task_id}: envs must be a dict")
        if mount_files_from_secret is not None and not isinstance(mount_files_from_secret, dict):
            raise TypeError(f"{task_id}: mount_files_from_secret must be a dict of dicts")
        delete_policy = delete_policy if delete_policy is not None else settings.delete_policy
        delete_policy = getattr(delete_policy, "value", delete_policy)  # JobRunnerDeletePolicy
        if str(delete_policy) not in DELETE_POLICIES:
            raise ValueError(
                f"{task_id}: delete_policy must be one of {', '.join(DELETE_POLICIES)}, got {delete_policy!r}"
            )

        self.command = command
        self.arguments = arguments
        self.image = image
        self.namespace = namespace
        self.name_prefix = name_prefix
        self.name_postfix = name_postfix
        self.random_name_postfix_length = random_name_postfix_length
        self.envs = envs
        self.labels = labels
        self.body = body
        self.body_filepath = body_filepath
        self.image_pull_policy = image_pull_policy
        self.image_pull_secrets = image_pull_secrets
        self.delete_policy = str(delete_policy)
        self.in_cluster = in_cluster
        self.config_file = config_file
        self.get_logs = get_logs
        self.cluster_context = cluster_context
        self.startup_timeout_seconds = (
            startup_timeout_seconds if startup_timeout_seconds is not None else settings.startup_timeout_seconds
        )
        self.enable_jinja = enable_jinja
        self.jinja_job_args = jinja_job_args
        self.on_kube_api_event = on_kube_api_event
        self.parse_xcom_event = parse_xcom_event
        self.mount_files_from_secret = mount_files_from_secret
        self.deferrable = settings.deferrable if deferrable is None else bool(deferrable)
        self.reattach = reattach
        self.kill_timeout = kill_timeout
        self.kubernetes_conn_id = kubernetes_conn_id
        self._kjo: Optional[KjoProcess] = None
        self._stderr_tail: List[str] = []
        # Read by _check_built once the outermost __init__ returns.
        self._validate_body_on_init = bool(
            settings.validate_body_on_init if validate_body_on_init is None else validate_body_on_init
        )
        self._validate_body_on_init_asked = validate_body_on_init is not None

    # ----------------------------------------------------------------- hooks

    def _builds_own_body(self) -> bool:
        """True in subclasses that build the body from their own arguments
        (then neither ``body``, ``body_filepath`` nor ``image`` is needed).

        Called once the task is built (never from ``__init__``).
        """
        return False

    def build_body(self, context: Any = None) -> Tuple[Optional[str], Optional[str]]:
        """(body text for ``--body``, image for ``--image``): exactly one is set.

        Subclasses override it to build the body from their own arguments.
        """
        if self.body is None:
            return None, self.image
        if self.image:
            return override_image(self.body, self.image), None
        return body_text(self.body), None

    # -------------------------------------------------------------- settings

    @property
    def settings(self) -> Settings:
        return load_settings()

    @property
    def hook(self) -> KjoHook:
        """The hook that reaches the cluster (``kubernetes_conn_id`` and the cluster arguments)."""
        return KjoHook(
            kubernetes_conn_id=self.kubernetes_conn_id,
            in_cluster=self.in_cluster,
            config_file=self.config_file,
            cluster_context=self.cluster_context,
            kjo_env=self.settings.kjo_environment(),
        )

    def build_run_request(self, context: Any = None) -> RunRequest:
        """The ``kjo run`` request for this task (after Jinja rendered the templated fields)."""
        settings = self.settings
        body, image = self.build_body(context)
        labels: Dict[str, Any] = {str(k): v for k, v in (self.labels or {}).items()}
        identity: Dict[str, str] = {}
        if context is not None:
            identity = identity_from_context(context)
            labels[TRY_NUMBER_LABEL] = try_number_from_context(context)
        return RunRequest(
            body=body,
            image=image,
            kind=settings.default_execution_object if image else None,
            command=[str(c) for c in self.command] if self.command else None,
            arguments=[str(a) for a in self.arguments] if self.arguments else None,
            namespace=self.namespace or None,
            name_prefix=self.name_prefix or self.task_id,
            name_postfix=self.name_postfix or None,
            random_name_postfix_length=self.random_name_postfix_length,
            envs=dict(self.envs or {}),
            labels=labels,
            image_pull_policy=self.image_pull_policy,
            image_pull_secrets=_names(self.image_pull_secrets),
            secret_files=self.mount_files_from_secret or {},
            delete_policy=self.delete_policy,
            get_logs=self.get_logs,
            startup_timeout_seconds=self.startup_timeout_seconds,
            show_timestamps=settings.show_kubernetes_timestamps,
            raw_xcom=self.parse_xcom_event is not xcom_value_parser,
            run_id=new_run_id(),
            identity_labels=identity,
            reattach=self.reattach,
            execution_timeout_seconds=self._execution_timeout_seconds(),
            active_deadline_seconds=self._execution_timeout_seconds(),
        )

    def _execution_timeout_seconds(self) -> Optional[float]:
        timeout = self.execution_timeout
        return timeout.total_seconds() if timeout is not None and timeout.total_seconds() > 0 else None

    # --------------------------------------------------------------- jinja

    def get_template_env(self, *args: Any, **kwargs: Any):
        env = super().get_template_env(*args, **kwargs)
        env.globals["job"] = self.jinja_job_args or {}
        return env

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        if not self.enable_jinja:
            return None
        if jinja_env is not None:
            jinja_env.globals["job"] = self.jinja_job_args or {}
        return super().render_template_fields(context, jinja_env)

    # ------------------------------------------------------------- running

    def execute(self, context: Any) -> Optional[Dict[str, Any]]:
        request = self.build_run_request(context)
        if self.deferrable:
            self._submit_and_defer(context, request)
            return None
        hook = self.hook
        if not request.namespace:
            request.namespace = hook.get_namespace()
        relay, code = self._run_kjo(context, hook, run_args(request), body=request.body, envs=request.envs,
                                    run_label=request.run_id or "")
        self._raise_for_result(relay, code)
        return self._finish(context, relay)

    def execute_complete(self, context: Any, event: Optional[Dict[str, Any]] = None) -> Optional[Dict[str, Any]]:
        """Resumes a deferred task: relays the run's logs, pushes XCom, applies the delete policy."""
        event = event or {}
        run_id = event.get("run_id")
        if not run_id:
            raise AirflowException(f"Task {self.task_id}: the trigger returned no run id: {event!r}")
        if event.get("followed") == "serve" and event.get("status") != "error":
            return self._complete_followed(context, event)
        if event.get("status") == "error":
            self.log.warning("the trigger lost track of run %s: %s", run_id, event.get("message"))
        settings = self.settings
        argv = attach_args(
            run_id=run_id,
            namespace=event.get("namespace"),
            delete_policy=self.delete_policy,
            get_logs=self.get_logs,
            show_timestamps=settings.show_kubernetes_timestamps,
            raw_xcom=self.parse_xcom_event is not xcom_value_parser,
            startup_timeout_seconds=self.startup_timeout_seconds,
        )
        relay, code = self._run_kjo(context, self.hook, argv, run_label=run_id)
        self._raise_for_result(relay, code)
        return self._finish(context, relay)

    def _finish(self, context: Any, relay: EventRelay) -> Optional[Dict[str, Any]]:
        """With ``do_xcom_push``: pushes the run's id, namespace and resources; returns its XCom dict."""
        if not self.do_xcom_push:
            return None
        result = relay.result or {}
        ti = context["ti"] if context is not None and "ti" in context else None
        if ti is not None:
            for key, value in self._run_xcom(result).items():
                ti.xcom_push(key=key, value=value)
        return dict(relay.xcom)

    def _run_xcom(self, result: Dict[str, Any]) -> Dict[str, Any]:
        """The XComs that name the run (subclasses add their own)."""
        return {
            RUN_ID_XCOM_KEY: result.get("runId"),
            NAMESPACE_XCOM_KEY: result.get("namespace"),
            RESOURCES_XCOM_KEY: list(result.get("resources") or []),
        }

    def _complete_followed(self, context: Any, event: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        """The trigger relayed the logs: push XCom, call ``on_kube_api_event``, apply the delete policy."""
        run_id = str(event["run_id"])
        relay = self._new_relay(context, run_id)
        for api_event in event.get("api_events") or []:
            relay.handle(api_event)
        ti = context["ti"] if context is not None and "ti" in context else None
        if self.parse_xcom_event is xcom_value_parser:  # kjo parsed them: its merged XCom is complete
            for key, value in (event.get("xcom") or {}).items():
                if key not in relay.xcom:
                    relay.xcom[key] = value
                    if ti is not None:
                        ti.xcom_push(key=key, value=value)
        relay.handle({
            "type": "result",
            "state": event.get("state"),
            "exitCode": event.get("exit_code"),
            "reason": event.get("reason"),
            "message": event.get("message"),
            "summary": event.get("summary") or [],
            "resources": event.get("resources") or [],
            "xcom": event.get("xcom") or {},
            "runId": run_id,
            "namespace": event.get("namespace"),
        })
        self._apply_delete_policy(context, run_id, event.get("namespace"))
        self._raise_for_result(relay, event.get("exit_code"))
        return self._finish(context, relay)

    def _apply_delete_policy(self, context: Any, run_id: str, namespace: Optional[str], *extra: str) -> None:
        """``kjo attach --no-logs`` with the task's delete policy: kjo decides what to delete."""
        if self.delete_policy == "Never":
            return
        argv = attach_args(
            run_id=run_id, namespace=namespace, delete_policy=self.delete_policy, get_logs=False
        )
        relay, code = self._run_kjo(context, self.hook, argv + list(extra), run_label=run_id)
        if code != 0 and (relay.result or {}).get("state") not in ("Failed", "TimedOut"):
            self.log.warning("applying delete policy %s to run %s: kjo exit code %s", self.delete_policy, run_id, code)

    def resume_execution(self, next_method: str, next_kwargs: Optional[Dict[str, Any]], context: Any) -> Any:
        """A deferral that timed out (TaskDeferralTimeout; Airflow 2: TaskDeferralError
        "Trigger/execution timeout") first ends its run as timed out, per the delete policy."""
        if next_method == "__fail__":
            error = (next_kwargs or {}).get("error")
            if getattr(error, "value", error) in _DEFERRAL_TIMEOUT_ERRORS:
                self._end_timed_out_run(context)
        return super().resume_execution(next_method, next_kwargs, context)

    def _end_timed_out_run(self, context: Any) -> None:
        ti = context["ti"] if context is not None and "ti" in context else None
        if ti is None:
            return
        map_index = getattr(ti, "map_index", -1)
        pull: Dict[str, Any] = {"task_ids": self.task_id}
        if map_index is not None and map_index >= 0:
            pull["map_indexes"] = map_index
        run_id = ti.xcom_pull(key=RUN_ID_XCOM_KEY, **pull)
        if not run_id:
            self.log.warning("deferral timed out, and no run id was pushed: nothing to end")
            return
        self.log.warning("deferral timed out: ending run %s (delete policy %s)", run_id, self.delete_policy)
        # A 1 s execution timeout ends the run as TimedOut at once, unless it already ended.
        self._apply_delete_policy(
            context, str(run_id), ti.xcom_pull(key=NAMESPACE_XCOM_KEY, **pull), f"--execution-timeout={_seconds(1)}"
        )

    def _submit_and_defer(self, context: Any, request: RunRequest) -> None:
        from airflow_kjo.triggers import KjoRunTrigger

        request.detach = True
        hook = self.hook
        if not request.namespace:
            request.namespace = hook.get_namespace()
        relay, code = self._run_kjo(context, hook, run_args(request), body=request.body, envs=request.envs,
                                    run_label=request.run_id or "")
        result = relay.result
        if result is None or code != 0 or result.get("state") != "Submitted":
            self._raise_for_result(relay, code, expected="Submitted")
        run_id = str(result.get("runId") or request.run_id)
        namespace = result.get("namespace") or request.namespace
        self.log.info("submitted run %s in namespace %s; deferring until it ends", run_id, namespace)
        ti = context["ti"] if context is not None and "ti" in context else None
        if ti is not None:
            ti.xcom_push(key=RUN_ID_XCOM_KEY, value=run_id)
            ti.xcom_push(key=NAMESPACE_XCOM_KEY, value=namespace)
        settings = self.settings
        timeout = self._execution_timeout_seconds()
        started = getattr(ti, "start_date", None) if ti is not None else None
        self.defer(
            trigger=KjoRunTrigger(
                run_id=run_id,
                namespace=namespace,
                kubernetes_conn_id=self.kubernetes_conn_id,
                in_cluster=self.in_cluster,
                config_file=self.config_file,
                cluster_context=self.cluster_context,
                kjo_env=settings.kjo_environment(),
                get_logs=self.get_logs,
                raw_xcom=self.parse_xcom_event is not xcom_value_parser,
                show_timestamps=settings.show_kubernetes_timestamps,
                detect_log_level=settings.detect_kubernetes_log_level,
                startup_timeout_seconds=request.startup_timeout_seconds,
                execution_deadline=(
                    (started.timestamp() if started is not None else time.time()) + timeout if timeout else None
                ),
            ),
            method_name="execute_complete",
        )

    def _relay_options(self) -> Dict[str, Any]:
        """Extra ``EventRelay`` arguments (subclasses: container filter, formatter, callbacks)."""
        return {}

    def _new_relay(self, context: Any, run_label: str = "") -> EventRelay:
        """The relay of a task's kjo events (task log, XCom, ``on_kube_api_event``)."""
        settings = self.settings
        ti = context["ti"] if context is not None and "ti" in context else None
        return EventRelay(
            log=self.log,
            context=context,
            xcom_push=(lambda key, value: ti.xcom_push(key=key, value=value)) if ti is not None else None,
            on_kube_api_event=self.on_kube_api_event,
            parse_xcom_event=self.parse_xcom_event,
            show_timestamps=settings.show_kubernetes_timestamps,
            detect_log_level=settings.detect_kubernetes_log_level,
            run_label=run_label if settings.show_runner_id else "",
            **self._relay_options(),
        )

    def _run_kjo(
        self,
        context: Any,
        hook: KjoHook,
        args: List[str],
        *,
        body: Optional[str] = None,
        envs: Optional[Mapping[str, Any]] = None,
        run_label: str = "",
    ) -> Tuple[EventRelay, Optional[int]]:
        """Runs kjo with ``args`` through the hook, relaying its events; returns the relay and kjo's exit code."""
        relay = self._new_relay(context, run_label)
        self._stderr_tail = []

        def on_stderr(line: str) -> None:
            self._stderr_tail = (self._stderr_tail + [line])[-20:]
            self.log.info("kjo: %s", line)

        def on_start(argv: List[str]) -> None:
            self.log.info("running: %s", _short_command(argv))

        with hook.kjo_process(
            args, body=body, envs=envs, on_stderr=on_stderr, stop_timeout=self.kill_timeout, on_start=on_start
        ) as process:
            self._kjo = process
            try:
                for event in process.events():
                    relay.handle(event)
                code = process.wait()
            except BaseException:
                # Killed (SIGINT, timeout, Airflow 2's SIGTERM) or a callback raised: kjo deletes the run.
                code = self._stop_kjo(process)
                for event in process.drain():
                    if event.get("type") != "api_event":
                        relay.handle(event)
                if relay.result is not None:  # what kjo did about it (the exception raised here says nothing)
                    self.log.warning("%s", failure_message(relay.result, task_id=self.task_id, exit_code=code))
                raise
            finally:
                self._kjo = None
        return relay, code

    def _stop_kjo(self, process: KjoProcess) -> Optional[int]:
        """Stops kjo when the task is killed: SIGTERM, so it deletes the run (subclasses may keep it)."""
        return process.stop()

    def _raise_for_result(self, relay: EventRelay, code: Optional[int], expected: str = "Succeeded") -> None:
        result = relay.result
        if result is not None and result.get("exitCode") == 0 and result.get("state") in (expected, "Succeeded"):
            if relay.errors:
                raise AirflowException(f"Task {self.task_id}: " + "; ".join(relay.errors))
            if expected == "Succeeded":
                run = f" (run {result['runId']})" if result.get("runId") else ""
                self.log.info("%s: %s%s", result.get("state"), ", ".join(result.get("resources") or []), run)
            return
        message = failure_message(result, task_id=self.task_id, exit_code=code)
        if result is None and self._stderr_tail:
            message += "\n" + "\n".join(f"  {line}" for line in self._stderr_tail[-10:])
        raise AirflowException(message)

    def on_kill(self) -> None:
        """Stops kjo: SIGTERM, kjo deletes everything and exits 143; waits for it."""
        process = self._kjo
        if process is None:
            return
        self.log.info("task killed: stopping kjo (pid %s)", process.pid)
        code = self._stop_kjo(process)
        self.log.info("kjo exited with code %s", code)

    # ---------------------------------------------------------- validation

    def validate_body(self) -> None:
        """Builds the body with ``kjo render`` (no cluster needed); raises ValueError when invalid."""
        request = self.build_run_request(None)
        done = KjoHook(None, kjo_env=self.settings.kjo_environment()).run_kjo(
            render_args(request), body=request.body, envs=request.envs, cluster=False
        )
        if done.returncode != 0:
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise ValueError(f"{self.task_id}: invalid body: {' '.join(reason[-3:]) or f'exit {done.returncode}'}")


def _looks_like_path(text: str) -> bool:
    return "\n" not in text.strip() and text.strip().endswith(TEMPLATE_EXTENSIONS)


def _names(items: Any) -> List[str]:
    """Image pull secret names from a list of names, a comma list, or objects with ``name``."""
    if not items:
        return []
    if isinstance(items, str):
        return [s.strip() for s in items.split(",") if s.strip()]
    names: List[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, Mapping) and item.get("name"):
            names.append(str(item["name"]))
        elif getattr(item, "name", None):
            names.append(str(item.name))
    return names
