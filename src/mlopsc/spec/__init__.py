"""The front end: load YAML with positions, merge overlays, validate, check references."""
