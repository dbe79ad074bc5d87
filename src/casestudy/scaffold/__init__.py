"""New studies and series from the templates, and upgrades."""
