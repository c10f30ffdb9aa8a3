"""National scale for 低收入人口动态监测预警 (issue 22; ADR 0037): the engine's snapshot tables as partitioned
Parquet with a manifest (``layout``), written from the database (``export``) or synthesised for the
benchmark (``generator``), and the warning rules run over them by DuckDB out of core (``duckdb_runner``) or by
Spark (``spark_runner`` prepares a job directory, ``spark_job`` runs under spark-submit; ADR 0038).
The alert set comes back into PostgreSQL through ``services.national``."""
