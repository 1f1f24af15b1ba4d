"""Generate tailored setup notebooks from a validated spec and the Jinja templates."""
