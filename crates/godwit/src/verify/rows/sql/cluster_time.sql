SELECT cluster_logical_timestamp()::STRING
