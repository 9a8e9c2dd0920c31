"""Reading runs back: component metrics and the history search."""
