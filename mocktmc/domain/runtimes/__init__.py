"""Where tasks run: remote engines, clusters, pipeline engines and run profiles."""
