"""The control plane under /_mocktmc: health, the clock, state, faults, the request journal."""
