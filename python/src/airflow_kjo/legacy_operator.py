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
        on_finish_action="delete_pod",
    )

Mapping: ``cmds`` → command, ``name`` → name prefix (``random_name_suffix``
adds the random postfix), ``env_vars`` (dict or V1EnvVar list) → the
container's env, ``is_delete_operator_pod``/``on_finish_action`` → delete
policy (``delete_pod``/True: Always, ``delete_succeeded_pod``: IfSucceeded,
``keep_pod``/False: Never; an explicit ``delete_policy`` wins),
``reattach_on_restart`` → reattach, ``pod_template_file`` → body_filepath.
Pod spec arguments (annotations, node_selector, tolerations, affinity,
volumes, volume_mounts, ports, container_resources, env_from, configmaps,
secrets, service_account_name, security contexts, hostnetwork, dnspolicy,
schedulername, priority_class_name, termination_grace_period,
init_containers) go into the Job's pod template; ``kubernetes.client``
models and dicts are both accepted.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from airflow_kjo.k8s_objects import env_list, secret_parts, to_k8s
from airflow_kjo.operator import KubernetesJobOperator

ON_FINISH_ACTIONS = {"delete_pod": "Always", "delete_succeeded_pod": "IfSucceeded", "keep_pod": "Never"}
#: KubernetesPodOperator arguments accepted and ignored (kjo covers them its own way).
IGNORED_POD_OPERATOR_ARGS = (
    "log_events_on_failure",  # kjo always explains a failure with events
    "container_logs",
    "get_logs_sidecar",
    "skip_on_exit_code",
    "poll_interval",
    "logging_interval",
    "progress_callback",
    "callbacks",
    "cluster_name",
    "kubernetes_conn_id",
    "base_container_name",
    "active_deadline_seconds",
)


def delete_policy_for(
    delete_policy: Optional[str], is_delete_operator_pod: Optional[bool], on_finish_action: Optional[str]
) -> Optional[str]:
    """The kjo delete policy for KubernetesPodOperator's cleanup arguments.

    Example::

        delete_policy_for(None, None, "delete_succeeded_pod")  # "IfSucceeded"
        delete_policy_for(None, False, None)                    # "Never"
        delete_policy_for(None, None, None)                     # None: the config default
    """
    if delete_policy is not None:
        return delete_policy
    if on_finish_action is not None:
        action = getattr(on_finish_action, "value", on_finish_action)
        if action not in ON_FINISH_ACTIONS:
            raise ValueError(f"on_finish_action must be one of {', '.join(ON_FINISH_ACTIONS)}, got {action!r}")
        return ON_FINISH_ACTIONS[action]
    if is_delete_operator_pod is not None:
        return "Always" if is_delete_operator_pod else "Never"
    return None


class KubernetesLegacyJobOperator(KubernetesJobOperator):
    """Takes KubernetesPodOperator's arguments and runs them as a Kubernetes Job.

    Arguments of ``KubernetesJobOperator`` (``body``, ``body_filepath``,
    ``delete_policy``, ``jinja_job_args``, ``on_kube_api_event``,
    ``parse_xcom_event``, ``deferrable``, ...) work too; with a body or
    ``pod_template_file`` the pod arguments above are not used.
    """

    template_fields: Sequence[str] = (
        *KubernetesJobOperator.template_fields,
        "env_vars",
        "annotations",
        "node_selector",
        "container_resources",
        "volumes",
        "volume_mounts",
        "env_from",
        "service_account_name",
    )

    def __init__(
        self,
        *,
        task_id: str,
        image: Optional[str] = None,
        name: Optional[str] = None,
        namespace: Optional[str] = None,
        cmds: Optional[List[str]] = None,
        arguments: Optional[List[str]] = None,
        env_vars: Any = None,
        labels: Optional[Dict[str, Any]] = None,
        annotations: Optional[Dict[str, Any]] = None,
        image_pull_policy: Optional[str] = None,
        image_pull_secrets: Any = None,
        startup_timeout_seconds: Optional[float] = None,
        get_logs: bool = True,
        is_delete_operator_pod: Optional[bool] = None,
        on_finish_action: Optional[str] = None,
        in_cluster: Optional[bool] = None,
        config_file: Optional[str] = None,
        cluster_context: Optional[str] = None,
        random_name_suffix: bool = True,
        reattach_on_restart: bool = True,
        ports: Any = None,
        volume_mounts: Any = None,
        volumes: Any = None,
        env_from: Any = None,
        configmaps: Optional[List[str]] = None,
        secrets: Any = None,
        container_resources: Any = None,
        node_selector: Optional[Dict[str, str]] = None,
        tolerations: Any = None,
        affinity: Any = None,
        service_account_name: Optional[str] = None,
        security_context: Any = None,
        container_security_context: Any = None,
        hostnetwork: bool = False,
        dnspolicy: Optional[str] = None,
        schedulername: Optional[str] = None,
        priority_class_name: Optional[str] = None,
        termination_grace_period: Optional[int] = None,
        init_containers: Any = None,
        pod_runtime_info_envs: Any = None,
        pod_template_file: Optional[str] = None,
        delete_policy: Optional[str] = None,
        body: Any = None,
        body_filepath: Optional[str] = None,
        **kwargs: Any,
    ) -> None:
        for ignored in IGNORED_POD_OPERATOR_ARGS:
            kwargs.pop(ignored, None)
        own_body = body is None and body_filepath is None and pod_template_file is None
        if own_body and not image:
            raise ValueError(f"{task_id}: give an image (or body, body_filepath, pod_template_file)")
        validate_body_on_init = kwargs.pop("validate_body_on_init", None)
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
            reattach=reattach_on_restart,
            body=body,
            body_filepath=body_filepath or pod_template_file,
            validate_body_on_init=False,
            **kwargs,
        )
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
        self.security_context = security_context
        self.container_security_context = container_security_context
        self.hostnetwork = hostnetwork
        self.dnspolicy = dnspolicy
        self.schedulername = schedulername
        self.priority_class_name = priority_class_name
        self.termination_grace_period = termination_grace_period
        self.init_containers = init_containers
        self.pod_runtime_info_envs = pod_runtime_info_envs
        self._validate_on_init(validate_body_on_init, self.settings)

    @property
    def cmds(self) -> Optional[List[str]]:
        """KubernetesPodOperator's name for ``command``."""
        return self.command

    def _builds_own_body(self) -> bool:
        return True

    def build_body(self, context: Any = None) -> Tuple[Optional[str], Optional[str]]:
        if not self._own_body:
            return super().build_body(context)
        return json.dumps([self.job_body()]), None

    def job_body(self) -> Dict[str, Any]:
        """The Job this operator runs, from its (rendered) KubernetesPodOperator arguments."""
        secret = secret_parts(self.secrets)
        container: Dict[str, Any] = {"name": "base", "image": self.image}
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
        pod_spec: Dict[str, Any] = {"restartPolicy": "Never", "containers": [container]}
        _put(pod_spec, "initContainers", to_k8s(self.init_containers))
        _put(pod_spec, "volumes", list(to_k8s(self.volumes) or []) + secret["volumes"])
        _put(pod_spec, "nodeSelector", to_k8s(self.node_selector))
        _put(pod_spec, "tolerations", to_k8s(self.tolerations))
        _put(pod_spec, "affinity", to_k8s(self.affinity))
        _put(pod_spec, "serviceAccountName", self.service_account_name)
        _put(pod_spec, "securityContext", to_k8s(self.security_context))
        _put(pod_spec, "dnsPolicy", self.dnspolicy)
        _put(pod_spec, "schedulerName", self.schedulername)
        _put(pod_spec, "priorityClassName", self.priority_class_name)
        if self.hostnetwork:
            pod_spec["hostNetwork"] = True
        if self.termination_grace_period is not None:
            pod_spec["terminationGracePeriodSeconds"] = int(self.termination_grace_period)
        template_metadata: Dict[str, Any] = {}
        _put(template_metadata, "annotations", {str(k): str(v) for k, v in (self.annotations or {}).items()})
        metadata: Dict[str, Any] = dict(template_metadata)
        return {
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": metadata,
            "spec": {"backoffLimit": 0, "template": {"metadata": template_metadata, "spec": pod_spec}},
        }


def _put(target: Dict[str, Any], key: str, value: Any) -> None:
    if value not in (None, [], {}, ""):
        target[key] = value
