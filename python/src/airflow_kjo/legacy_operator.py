"""``KubernetesLegacyJobOperator``: KubernetesPodOperator arguments, run as a
Kubernetes Job by kjo. Swap the class name and keep the arguments.

Example::

    from airflow_kjo import KubernetesLegacyJobOperator

    KubernetesLegacyJobOperator(
        task_id="legacy",
        name="legacy-job",
        image="ubuntu",
        cmds=["bash", "-c"],
        arguments=["echo all ok $GREETING"],
        env_vars={"GREETING": "hi"},
        labels={"team": "data"},
        kubernetes_conn_id="k8s_prod",
        on_finish_action="delete_pod",
    )

Every argument of the provider's KubernetesPodOperator (10.x) is either mapped
onto the Job this operator builds (see ``job_body`` and the README's table),
accepted with a warning when it only tunes the provider's polling (kjo watches
instead), or rejected when the DAG is parsed with an error naming it
(``REJECTED_ARGS``). Nothing is dropped silently.

The pod is built like the provider builds it: ``pod_template_file``, else
``pod_template_dict``, reconciled with ``full_pod_spec``, then with the pod the
arguments describe; it becomes the Job's pod template. With the original's
``body`` or ``body_filepath`` the body is used as is, as the original did.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Collection, Dict, List, Optional, Sequence, Tuple

from airflow_kjo._compat import AirflowException, AirflowSkipException, mask_secret
from airflow_kjo.body import body_search_path, read_body_file, resolve_body_path
from airflow_kjo.events import EventRelay
from airflow_kjo.hook import DEFAULT_CONN_ID
from airflow_kjo.k8s_objects import env_list, secret_parts, to_k8s
from airflow_kjo.kjo_args import RunRequest
from airflow_kjo.kjo_process import KjoProcess
from airflow_kjo.operator import KubernetesJobOperator

_log = logging.getLogger(__name__)

ON_FINISH_ACTIONS = {
    "delete_pod": "Always",
    "delete_succeeded_pod": "IfSucceeded",
    "keep_pod": "Never",
    # Deletes pods still Pending or Running when the task ends: a finished run has none.
    "delete_active_pod": "Never",
}
ON_KILL_ACTIONS = ("delete_pod", "keep_pod")

#: KubernetesPodOperator arguments that tune how the provider polls or what it
#: logs around a pod; kjo watches the API and always logs events, so they change
#: nothing. Accepted (a DAG keeps parsing) with a warning naming each.
NO_EFFECT_ARGS: Dict[str, str] = {
    "startup_check_interval_seconds": "kjo watches the pod instead of polling it",
    "base_container_status_polling_interval": "kjo watches the pod instead of polling it",
    "poll_interval": "kjo watches the run instead of polling it",
    "logging_interval": "a deferred task relays every pod's whole log when it resumes",
    "log_events_on_failure": "kjo always logs the run's Kubernetes events",
    "log_events_on_startup": "kjo always logs the run's Kubernetes events",
    "xcom_sidecar_container_security_context": "there is no XCom sidecar (XCom comes from "
    "::kube_api:xcom= log lines)",
    "trigger_kwargs": "the kjo trigger takes no extra arguments",
}

#: KubernetesPodOperator arguments that cannot be honoured: the DAG fails to parse, naming them.
REJECTED_ARGS: Dict[str, str] = {
    "callbacks": "KubernetesPodOperatorCallback hooks into the provider's pod manager, which kjo "
    "replaces; use on_kube_api_event, progress_callback or the task's on_*_callback instead",
}

#: Defaults of the provider, for the arguments of NO_EFFECT_ARGS that are not None there.
_PROVIDER_DEFAULTS = {
    "startup_check_interval_seconds": 5,
    "base_container_status_polling_interval": 1,
    "poll_interval": 2,
    "log_events_on_failure": False,
    "log_events_on_startup": True,
}


def delete_policy_for(
    delete_policy: Optional[str], is_delete_operator_pod: Optional[bool], on_finish_action: Optional[str]
) -> Optional[str]:
    """The kjo delete policy for the cleanup arguments.

    ``delete_policy`` wins, then ``on_finish_action``, then ``is_delete_operator_pod``
    with the original operator's meaning (True: IfSucceeded, False: Never).

    Example::

        delete_policy_for(None, None, "delete_succeeded_pod")  # "IfSucceeded"
        delete_policy_for(None, True, None)                     # "IfSucceeded" (the original's meaning)
        delete_policy_for(None, False, None)                    # "Never"
        delete_policy_for(None, None, None)                     # None: the config default
    """
    if delete_policy is not None:
        return str(getattr(delete_policy, "value", delete_policy))
    if on_finish_action is not None:
        action = getattr(on_finish_action, "value", on_finish_action)
        if action not in ON_FINISH_ACTIONS:
            raise ValueError(f"on_finish_action must be one of {', '.join(ON_FINISH_ACTIONS)}, got {action!r}")
        return ON_FINISH_ACTIONS[action]
    if is_delete_operator_pod is not None:
        return "IfSucceeded" if is_delete_operator_pod else "Never"
    return None


_LIST_CONTAINER_FIELDS = ("env", "envFrom", "volumeMounts", "ports", "volumeDevices")
_LIST_SPEC_FIELDS = ("initContainers", "volumes", "imagePullSecrets", "tolerations", "hostAliases")


def _merge_container(base: Dict[str, Any], client: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(base)
    for key, value in client.items():
        if key in _LIST_CONTAINER_FIELDS and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def reconcile_pods(base: Optional[Dict[str, Any]], client: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """``client`` laid over ``base`` like the provider's ``PodGenerator.reconcile_pods``.

    Metadata maps merge (client wins), the first containers merge field by field
    (their lists concatenate), the spec's lists (volumes, init containers, ...)
    concatenate, other fields of the client win.

    Example::

        reconcile_pods({"spec": {"containers": [{"name": "base", "image": "a"}]}},
                       {"spec": {"containers": [{"name": "base", "args": ["x"]}]}})
        # {"spec": {"containers": [{"name": "base", "image": "a", "args": ["x"]}]}}
    """
    base = dict(base or {})
    client = dict(client or {})
    out: Dict[str, Any] = {**base, **{k: v for k, v in client.items() if k not in ("metadata", "spec")}}
    metadata = dict(base.get("metadata") or {})
    for key, value in (client.get("metadata") or {}).items():
        if isinstance(value, dict) and isinstance(metadata.get(key), dict):
            metadata[key] = {**metadata[key], **value}
        else:
            metadata[key] = value
    spec = dict(base.get("spec") or {})
    for key, value in (client.get("spec") or {}).items():
        if key == "containers":
            merged = list(spec.get("containers") or [])
            for index, container in enumerate(value):
                if index < len(merged):
                    merged[index] = _merge_container(merged[index], container)
                else:
                    merged.append(container)
            spec["containers"] = merged
        elif key in _LIST_SPEC_FIELDS and isinstance(spec.get(key), list):
            spec[key] = [*spec[key], *value]
        else:
            spec[key] = value
    if metadata:
        out["metadata"] = metadata
    if spec:
        out["spec"] = spec
    return out


def _load_pod_file(path: str) -> Dict[str, Any]:
    import yaml  # a dependency of Airflow

    loaded = yaml.safe_load(read_body_file(path))
    if not isinstance(loaded, dict):
        raise ValueError(f"pod_template_file {path}: must hold one Pod (a mapping)")
    return loaded


class KubernetesLegacyJobOperator(KubernetesJobOperator):
    """Takes KubernetesPodOperator's arguments and runs them as a Kubernetes Job.

    Arguments of ``KubernetesJobOperator`` (``body``, ``body_filepath``,
    ``delete_policy``, ``jinja_job_args``, ``on_kube_api_event``,
    ``parse_xcom_event``, ``deferrable``, ...) work too; with ``body`` or
    ``body_filepath`` the pod arguments are not used (as in the original).
    """

    #: The main container's name when ``base_container_name`` is not given (the provider's).
    BASE_CONTAINER_NAME = "base"

    template_fields: Sequence[str] = (
        *KubernetesJobOperator.template_fields,
        "name",
        "hostname",
        "env_vars",
        "annotations",
        "node_selector",
        "container_resources",
        "volumes",
        "volume_mounts",
        "env_from",
        "configmaps",
        "service_account_name",
        "pod_template_dict",
        "base_container_name",
    )

    def __init__(
        self,
        *,
        task_id: str,
        kubernetes_conn_id: Optional[str] = DEFAULT_CONN_ID,
        namespace: Optional[str] = None,
        image: Optional[str] = None,
        name: Optional[str] = None,
        random_name_suffix: bool = True,
        cmds: Optional[List[str]] = None,
        arguments: Optional[List[str]] = None,
        ports: Any = None,
        volume_mounts: Any = None,
        volumes: Any = None,
        env_vars: Any = None,
        env_from: Any = None,
        secrets: Any = None,
        in_cluster: Optional[bool] = None,
        cluster_context: Optional[str] = None,
        labels: Optional[Dict[str, Any]] = None,
        reattach_on_restart: Optional[bool] = None,
        durable: Optional[bool] = None,
        startup_timeout_seconds: Optional[float] = None,
        schedule_timeout_seconds: Optional[float] = None,
        get_logs: bool = True,
        base_container_name: Optional[str] = None,
        init_container_logs: Any = None,
        container_logs: Any = None,
        image_pull_policy: Optional[str] = None,
        annotations: Optional[Dict[str, Any]] = None,
        container_resources: Any = None,
        affinity: Any = None,
        config_file: Optional[str] = None,
        runtime_class_name: Optional[str] = None,
        node_selector: Optional[Dict[str, str]] = None,
        image_pull_secrets: Any = None,
        service_account_name: Optional[str] = None,
        automount_service_account_token: Optional[bool] = None,
        hostnetwork: bool = False,
        host_aliases: Any = None,
        tolerations: Any = None,
        security_context: Any = None,
        container_security_context: Any = None,
        dnspolicy: Optional[str] = None,
        dns_config: Any = None,
        hostname: Optional[str] = None,
        subdomain: Optional[str] = None,
        schedulername: Optional[str] = None,
        full_pod_spec: Any = None,
        init_containers: Any = None,
        pod_template_file: Optional[str] = None,
        pod_template_dict: Optional[Dict[str, Any]] = None,
        priority_class_name: Optional[str] = None,
        pod_runtime_info_envs: Any = None,
        termination_grace_period: Optional[int] = None,
        configmaps: Optional[List[str]] = None,
        skip_on_exit_code: Any = None,
        log_pod_spec_on_failure: bool = True,
        on_finish_action: Optional[str] = None,
        on_kill_action: str = "delete_pod",
        is_delete_operator_pod: Optional[bool] = None,
        termination_message_policy: str = "File",
        active_deadline_seconds: Optional[int] = None,
        progress_callback: Any = None,
        container_name_log_prefix_enabled: bool = True,
        log_formatter: Any = None,
        delete_policy: Optional[str] = None,
        body: Any = None,
        body_filepath: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        for argument, reason in REJECTED_ARGS.items():
            if kwargs.pop(argument, None) is not None:
                raise ValueError(f"{task_id}: KubernetesPodOperator argument {argument!r} is not supported: {reason}")
        for argument, reason in NO_EFFECT_ARGS.items():
            if argument in kwargs:
                value = kwargs.pop(argument)
                if value is not None and value != _PROVIDER_DEFAULTS.get(argument):
                    _log.warning("%s: %s=%r has no effect: %s", task_id, argument, value, reason)
        action = getattr(on_kill_action, "value", on_kill_action)
        if action not in ON_KILL_ACTIONS:
            raise ValueError(f"{task_id}: on_kill_action must be one of {', '.join(ON_KILL_ACTIONS)}, got {action!r}")
        own_body = body is None and body_filepath is None
        if own_body and not image and pod_template_file is None and pod_template_dict is None and full_pod_spec is None:
            raise ValueError(
                f"{task_id}: give an image (or pod_template_file, pod_template_dict, full_pod_spec, body, body_filepath)"
            )
        if schedule_timeout_seconds is not None:
            # The provider waits schedule_timeout_seconds to be scheduled, then
            # startup_timeout_seconds to start: kjo has one timeout for both.
            startup_timeout_seconds = float(schedule_timeout_seconds) + float(
                120 if startup_timeout_seconds is None else startup_timeout_seconds
            )
        reattach = durable if durable is not None else reattach_on_restart
        super().__init__(
            task_id=task_id,
            image=image,
            name_prefix=name,
            namespace=namespace,
            command=cmds,
            arguments=arguments,
            labels=labels,
            image_pull_policy=image_pull_policy,
            image_pull_secrets=image_pull_secrets,
            startup_timeout_seconds=startup_timeout_seconds,
            get_logs=get_logs,
            delete_policy=delete_policy_for(delete_policy, is_delete_operator_pod, on_finish_action),
            in_cluster=in_cluster,
            config_file=config_file,
            cluster_context=cluster_context,
            random_name_postfix_length=8 if random_name_suffix else 0,
            reattach=True if reattach is None else bool(reattach),
            body=body,
            body_filepath=body_filepath,
            kubernetes_conn_id=kubernetes_conn_id,
            **kwargs,
        )
        # Read by build_body; validate_body_on_init builds the body once this
        # __init__ returns (see KubernetesJobOperator), so after super().__init__ is fine.
        self._own_body = own_body
        self.name = name
        self.env_vars = env_vars
        self.annotations = annotations
        self.ports = ports
        self.volume_mounts = volume_mounts
        self.volumes = volumes
        self.env_from = env_from
        self.configmaps = configmaps
        self.secrets = secrets
        self.container_resources = container_resources
        self.node_selector = node_selector
        self.tolerations = tolerations
        self.affinity = affinity
        self.service_account_name = service_account_name
        self.automount_service_account_token = automount_service_account_token
        self.security_context = security_context
        self.container_security_context = container_security_context
        self.hostnetwork = hostnetwork
        self.host_aliases = host_aliases
        self.dnspolicy = dnspolicy
        self.dns_config = dns_config
        self.hostname = hostname
        self.subdomain = subdomain
        self.schedulername = schedulername
        self.runtime_class_name = runtime_class_name
        self.priority_class_name = priority_class_name
        self.termination_grace_period = termination_grace_period
        self.termination_message_policy = termination_message_policy
        self.active_deadline_seconds = active_deadline_seconds
        self.init_containers = init_containers
        self.pod_runtime_info_envs = pod_runtime_info_envs
        self.full_pod_spec = full_pod_spec
        self.pod_template_dict = pod_template_dict
        self.pod_template_file = (
            resolve_body_path(pod_template_file, body_search_path(getattr(self, "_dag", None)))
            if pod_template_file
            else None
        )
        self._pod_template = _load_pod_file(self.pod_template_file) if self.pod_template_file else None
        self.base_container_name = base_container_name or self.BASE_CONTAINER_NAME
        self.init_container_logs = init_container_logs
        self.container_logs = container_logs
        self.skip_on_exit_code = _exit_codes(skip_on_exit_code)
        self.log_pod_spec_on_failure = log_pod_spec_on_failure
        self.on_kill_action = action
        self.is_delete_operator_pod = is_delete_operator_pod
        self.on_finish_action = on_finish_action
        self.progress_callback = progress_callback
        self.container_name_log_prefix_enabled = container_name_log_prefix_enabled
        self.log_formatter = log_formatter
        self.random_name_suffix = random_name_suffix
        self.schedule_timeout_seconds = schedule_timeout_seconds
        self._last_body: Optional[str] = None

    @property
    def cmds(self) -> Optional[List[str]]:
        """KubernetesPodOperator's name for ``command``."""
        return self.command

    def _builds_own_body(self) -> bool:
        """True unless ``body`` or ``body_filepath`` was given: the Job comes from the pod arguments."""
        return self._own_body

    # ------------------------------------------------------------ the body

    def build_body(self, context: Any = None) -> Tuple[Optional[str], Optional[str]]:
        if not self._own_body:
            return super().build_body(context)
        self._last_body = json.dumps([self.job_body()])
        return self._last_body, None

    def build_run_request(self, context: Any = None) -> RunRequest:
        request = super().build_run_request(context)
        for env in env_list(self.env_vars):
            if env.get("value"):
                mask_secret(str(env["value"]))
        if self._own_body:
            # In the body already (on the base container, found by name).
            request.command = None
            request.arguments = None
            request.image_pull_policy = None
            if not request.namespace:
                request.namespace = ((self.job_body().get("metadata") or {}).get("namespace")) or None
        return request

    def pod_from_arguments(self) -> Dict[str, Any]:
        """The pod the (rendered) arguments describe, before templates are laid under it."""
        secret = secret_parts(self.secrets)
        container: Dict[str, Any] = {"name": self.base_container_name}
        _put(container, "image", self.image)
        _put(container, "command", [str(c) for c in self.command] if self.command else None)
        _put(container, "args", [str(a) for a in self.arguments] if self.arguments else None)
        _put(container, "imagePullPolicy", self.image_pull_policy)
        env = env_list(self.env_vars) + env_list(self.pod_runtime_info_envs) + secret["env"]
        env_from = list(to_k8s(self.env_from) or []) + secret["envFrom"]
        env_from += [{"configMapRef": {"name": name}} for name in self.configmaps or []]
        mounts = list(to_k8s(self.volume_mounts) or []) + secret["volumeMounts"]
        _put(container, "env", env)
        _put(container, "envFrom", env_from)
        _put(container, "ports", to_k8s(self.ports))
        _put(container, "volumeMounts", mounts)
        _put(container, "resources", to_k8s(self.container_resources))
        _put(container, "securityContext", to_k8s(self.container_security_context))
        _put(container, "terminationMessagePolicy", self.termination_message_policy)
        spec: Dict[str, Any] = {"containers": [container]}
        _put(spec, "initContainers", to_k8s(self.init_containers))
        _put(spec, "volumes", list(to_k8s(self.volumes) or []) + secret["volumes"])
        _put(spec, "nodeSelector", to_k8s(self.node_selector))
        _put(spec, "tolerations", to_k8s(self.tolerations))
        _put(spec, "affinity", to_k8s(self.affinity))
        _put(spec, "serviceAccountName", self.service_account_name)
        _put(spec, "securityContext", to_k8s(self.security_context))
        _put(spec, "dnsPolicy", self.dnspolicy)
        _put(spec, "dnsConfig", to_k8s(self.dns_config))
        _put(spec, "hostname", self.hostname)
        _put(spec, "subdomain", self.subdomain)
        _put(spec, "hostAliases", to_k8s(self.host_aliases))
        _put(spec, "schedulerName", self.schedulername)
        _put(spec, "runtimeClassName", self.runtime_class_name)
        _put(spec, "priorityClassName", self.priority_class_name)
        if self.automount_service_account_token is not None:
            spec["automountServiceAccountToken"] = bool(self.automount_service_account_token)
        if self.hostnetwork:
            spec["hostNetwork"] = True
        if self.termination_grace_period is not None:
            spec["terminationGracePeriodSeconds"] = int(self.termination_grace_period)
        metadata: Dict[str, Any] = {}
        _put(metadata, "annotations", {str(k): str(v) for k, v in (self.annotations or {}).items()})
        return {"metadata": metadata, "spec": spec}

    def pod(self) -> Dict[str, Any]:
        """The pod, built as the provider builds it: template file, else template dict,
        reconciled with ``full_pod_spec``, then with the arguments' pod."""
        if self._pod_template is not None:
            template = json.loads(json.dumps(self._pod_template))
        elif self.pod_template_dict:
            template = to_k8s(self.pod_template_dict)
        else:
            template = {}
        if self.full_pod_spec is not None:
            template = reconcile_pods(template, to_k8s(self.full_pod_spec))
        return reconcile_pods(template, self.pod_from_arguments())

    def job_body(self) -> Dict[str, Any]:
        """The Job this operator runs, from its (rendered) KubernetesPodOperator arguments."""
        pod = self.pod()
        metadata = dict(pod.get("metadata") or {})
        spec = dict(pod.get("spec") or {})
        spec["restartPolicy"] = "Never"  # a Job's pod; the task fails with it
        job_metadata: Dict[str, Any] = {}
        template_metadata: Dict[str, Any] = {}
        for key in ("labels", "annotations"):
            _put(template_metadata, key, metadata.get(key))
        _put(job_metadata, "annotations", metadata.get("annotations"))
        _put(job_metadata, "namespace", metadata.get("namespace"))
        if metadata.get("name") and not self.name_prefix:
            self.name_prefix = str(metadata["name"])  # the template's pod name, as the original did
        job_spec: Dict[str, Any] = {"backoffLimit": 0, "template": {"metadata": template_metadata, "spec": spec}}
        if self.active_deadline_seconds is not None:
            # On the Job (its controller ends the pod and fails the Job with DeadlineExceeded).
            job_spec["activeDeadlineSeconds"] = int(self.active_deadline_seconds)
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": job_metadata, "spec": job_spec}

    # ------------------------------------------------------------- running

    def _log_containers(self) -> Optional[Collection[str]]:
        """The containers whose lines go to the task log (None: all), as ``container_logs``
        and ``init_container_logs`` say."""
        if self.container_logs is True:
            return None
        names: List[str] = _names_of(self.container_logs) or [self.base_container_name]
        if self.init_container_logs is True:
            names += [str(c.get("name")) for c in self.pod().get("spec", {}).get("initContainers") or []]
        else:
            names += _names_of(self.init_container_logs)
        return names

    def _relay_options(self) -> Dict[str, Any]:
        if not self._own_body:
            return {}
        return {
            "log_containers": self._log_containers(),
            "progress_callback": self.progress_callback,
            "log_formatter": self.log_formatter,
            "log_prefix": self.container_name_log_prefix_enabled,
        }

    def _stop_kjo(self, process: KjoProcess) -> Optional[int]:
        if self.on_kill_action == "keep_pod":
            self.log.info("on_kill_action=keep_pod: kjo is killed; the Job stays")
            process.kill()
            return process.returncode
        return super()._stop_kjo(process)

    def _run_xcom(self, result: Dict[str, Any]) -> Dict[str, Any]:
        out = super()._run_xcom(result)
        jobs = [r.split("/", 1)[1] for r in result.get("resources") or [] if r.startswith("Job/")]
        out["pod_name"] = jobs[0] if jobs else None
        out["pod_namespace"] = result.get("namespace")
        return out

    def _raise_for_result(self, relay: EventRelay, code: Optional[int], expected: str = "Succeeded") -> None:
        try:
            super()._raise_for_result(relay, code, expected)
        except AirflowException as error:
            exit_code = base_container_exit_code(relay.result, self.base_container_name)
            if exit_code is not None and exit_code in self.skip_on_exit_code:
                raise AirflowSkipException(
                    f"container {self.base_container_name} exited with code {exit_code} (skip_on_exit_code)"
                ) from None
            if self.log_pod_spec_on_failure and self._last_body is not None:
                self.log.error("the Job: %s", self._last_body)
            raise error


def base_container_exit_code(result: Optional[Dict[str, Any]], container: str) -> Optional[int]:
    """The exit code of ``container`` that kjo's result names (message or summary), else None.

    Example::

        base_container_exit_code({"message": "container base exited with code 3"}, "base")  # 3
    """
    if not result:
        return None
    name = re.escape(container)
    pattern = re.compile(rf"(?:container {name} exited with code|\b{name}: terminated, exit code) (-?\d+)")
    for text in [result.get("message") or "", *(result.get("summary") or [])]:
        match = pattern.search(str(text))
        if match:
            return int(match.group(1))
    return None


def _exit_codes(value: Any) -> List[int]:
    if value is None:
        return []
    if isinstance(value, int):
        return [value]
    return [int(v) for v in value]


def _names_of(value: Any) -> List[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _put(target: Dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, [], {}, ""):
        target[key] = value
