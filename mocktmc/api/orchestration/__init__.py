"""Orchestration 2021-03: definitions (environments, workspaces, tasks, ...)."""
