"""Reading runs back: log pages, component metrics and the history search."""
