#!/usr/bin/env python3
"""Runs one DAG with ``dag.test()`` and writes a JSON summary: the dag run's
state, each task instance's state and try number, and every XCom.

Usage: run_dag.py DAG_FILE DAG_ID OUT_JSON [LOGICAL_DATE]

The environment names the Airflow home (AIRFLOW_HOME, a migrated sqlite DB)
and the DAG folder (AIRFLOW__CORE__DAGS_FOLDER, holding DAG_FILE). The task
logs go to this process's stdout/stderr. Works on Airflow 3 and Airflow 2.10.
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


def run_on_airflow2(dag, logical_date):
    """``dag.test()`` on Airflow 2.10, where SIGTERM ends the whole test.

    Airflow 2's SIGTERM handler calls the task's ``on_kill``, records the
    failure and raises ``AirflowTaskTerminated`` (a BaseException), which in a
    worker ends the task process; ``dag.test()`` does not catch it. Here it
    ends the DAG run like it ends a task: the failure is committed and the
    summary written.
    """
    from airflow.exceptions import AirflowTaskTerminated
    from airflow.models.dagrun import DagRun
    from airflow.settings import Session

    session = Session()
    try:
        return dag.test(execution_date=logical_date, session=session)
    except AirflowTaskTerminated as terminated:
        print(f"run_dag: the task was terminated ({terminated}); the DAG run ends here", flush=True)
        session.commit()
        return DagRun.find(dag_id=dag.dag_id, execution_date=logical_date, session=session)[0]
    finally:
        session.close()


def main():
    path, dag_id, out = sys.argv[1:4]
    logical_date = datetime.fromisoformat(sys.argv[4]) if len(sys.argv) > 4 else datetime(2024, 1, 1, tzinfo=timezone.utc)
    dag = load_dag(path, dag_id)
    from airflow.models import xcom

    if hasattr(xcom, "XComModel"):  # Airflow 3
        XComModel = xcom.XComModel
        dr = dag.test(logical_date=logical_date)
    else:  # Airflow 2.10: the ORM class is XCom, dag.test() takes execution_date
        XComModel = xcom.XCom
        dr = run_on_airflow2(dag, logical_date)

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
            if isinstance(value, bytes) and hasattr(row, "orm_deserialize_value"):  # Airflow 2.10
                value = row.orm_deserialize_value()
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
