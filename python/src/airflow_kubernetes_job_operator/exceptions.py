"""The original's exception class."""

from airflow_kjo._compat import AirflowException


class KubernetesJobOperatorException(AirflowException):
    """An error of the operator (an AirflowException, as in the original)."""
