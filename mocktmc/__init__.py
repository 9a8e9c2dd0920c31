"""mocktmc: a faithful, stateful, in-memory Talend Management Console API, and a contract kit."""

__version__ = "0.1.0"
