"""The simulated TMC: plain Python, no web framework below this package."""
