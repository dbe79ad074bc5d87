"""Safe reading and writing: paths, folders, the YAML reader, the resource gate."""
