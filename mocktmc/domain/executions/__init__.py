"""Runs of tasks, plans and promotions (TMC calls them executions): lifecycles, logs, the run index."""
