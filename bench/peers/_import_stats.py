"""The import-cost line every Python peer writes once its imports are done.

The bench reads it from stderr (``kjo-bench-import cpu_s=… wall_s=… maxrss_kb=…``):
CPU seconds and wall seconds since the interpreter started the peer's module,
and the peak RSS so far.
"""

import resource
import sys
import time


def report_imports(started: float) -> None:
    """Writes the import-cost line; ``started`` is ``time.perf_counter()`` taken first thing."""
    print(
        f"kjo-bench-import cpu_s={time.process_time():.3f} "
        f"wall_s={time.perf_counter() - started:.3f} "
        f"maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}",
        file=sys.stderr,
        flush=True,
    )
