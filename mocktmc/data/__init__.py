"""Data files shipped with the package (the operation inventory)."""
