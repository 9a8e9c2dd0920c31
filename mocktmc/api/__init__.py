"""The HTTP layer: thin Flask blueprints over the domain, one module per resource group."""
