"""`routeways profile` commands (being built)."""
