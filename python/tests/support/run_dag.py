#!/usr/bin/env python3
"""Runs one DAG with ``dag.test()`` and writes a JSON summary: the dag run's
state, each task instance's state and try number, and every XCom.

Usage: run_dag.py DAG_FILE DAG_ID OUT_JSON [LOGICAL_DATE]

The environment names the Airflow home (AIRFLOW_HOME, a migrated sqlite DB)
and the DAG folder (AIRFLOW__CORE__DAGS_FOLDER, holding DAG_FILE). The task
logs go to this process's stdout/stderr.
"""

import importlib.util
import json
import sys
from datetime import datetime, timezone


def load_dag(path, dag_id):
    spec = importlib.util.spec_from_file_location("dag_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for value in vars(module).values():
        if getattr(value, "dag_id", None) == dag_id and hasattr(value, "test"):
            return value
    raise SystemExit(f"run_dag: no DAG {dag_id!r} in {path}")


def main():
    path, dag_id, out = sys.argv[1:4]
    logical_date = datetime.fromisoformat(sys.argv[4]) if len(sys.argv) > 4 else datetime(2024, 1, 1, tzinfo=timezone.utc)
    dag = load_dag(path, dag_id)
    dr = dag.test(logical_date=logical_date)

    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session

    with create_session() as session:
        tis = {
            ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]": {
                "state": str(ti.state.value if hasattr(ti.state, "value") else ti.state),
                "try_number": ti.try_number,
            }
            for ti in dr.get_task_instances(session=session)
        }
        xcoms = {}
        for row in session.query(XComModel).filter(XComModel.dag_id == dag_id, XComModel.run_id == dr.run_id):
            value = row.value
            if isinstance(value, (str, bytes)):
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            xcoms.setdefault(row.task_id, {})[row.key] = value
    state = dr.state.value if hasattr(dr.state, "value") else dr.state
    with open(out, "w") as f:
        json.dump({"run_id": dr.run_id, "state": str(state), "tasks": tis, "xcom": xcoms}, f, default=str)


if __name__ == "__main__":
    main()
