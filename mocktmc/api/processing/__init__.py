"""Processing 2021-03: runs of tasks, plans and promotions; runtimes."""
