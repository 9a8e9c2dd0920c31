"""The contracts, shipped inside the package as mocktmc.contracts."""
