"""Monitoring 2021-03: execution logs, history search, observability metrics."""
