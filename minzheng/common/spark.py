"""The Spark session of the second columnar engine (ADR 0038; used by ``monitoring.national`` and
``benefits.columnar.spark_results``): local mode on one machine (tests, the
benchmark, a single server), or whatever ``spark-submit`` gives on a cluster. The SQL settings that decide
results are set here explicitly, so that the compiled rules mean the same in Spark as in DuckDB.

``pyspark`` is imported only inside the functions: the web application never starts a JVM.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Settings that change results, not speed (ADR 0038 §2):
# * ANSI mode: an overflow or an invalid cast is an error, as in DuckDB, never a silent NULL;
# * no precision loss: DECIMAL(38,10) × DECIMAL(38,10) keeps the exact product (as DuckDB does), instead of
#   Spark's default of rounding the scale down to 6 digits before the rule's cast back to DECIMAL(38,10);
# * the session time zone of the statutory dates (Asia/Shanghai); the rules only use DATE literals.
RESULT_SETTINGS: Final = {
    "spark.sql.ansi.enabled": "true",
    "spark.sql.decimalOperations.allowPrecisionLoss": "false",
    "spark.sql.session.timeZone": "Asia/Shanghai",
}
# Settings for one machine: no web UI (no listening port), Arrow between Python and the JVM.
LOCAL_SETTINGS: Final = {
    "spark.ui.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "true",
}


def spark_configure(spark: SparkSession) -> SparkSession:
    """Apply ``RESULT_SETTINGS`` to a session made elsewhere (``spark-submit`` on a cluster)."""
    for key, value in RESULT_SETTINGS.items():
        spark.conf.set(key, value)
    return spark


def spark_local(
    *,
    cores: int = 2,
    shuffle_partitions: int = 4,
    driver_memory: str = "2g",
    local_dir: str | None = None,
) -> SparkSession:
    """A local-mode session (``local[cores]``), made once per process: later calls return the same one
    (a JVM costs about 5 s and a few hundred MB). ``shuffle_partitions``: 4 for tests' small tables, a few
    per core for millions of rows."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # otherwise a warning and the eth0 address
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.master(f"local[{cores}]").appName("minzheng")
    settings = {
        **LOCAL_SETTINGS,
        **RESULT_SETTINGS,
        "spark.driver.memory": driver_memory,
        "spark.sql.shuffle.partitions": str(shuffle_partitions),
    }
    if local_dir:
        settings["spark.local.dir"] = local_dir
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # py4j logs "Closing down clientserver connection" at INFO from a finaliser at interpreter exit, when
    # pytest has already closed the stream: a "--- Logging error ---" traceback after every test run.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    return spark_configure(spark)
