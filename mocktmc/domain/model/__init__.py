"""The state of an account as plain data: dataclasses that hold no rules and import none.

Rules (the other packages of mocktmc.domain) read and change these; world.py declares what a world
holds in terms of them, and snapshots are derived from that declaration."""
