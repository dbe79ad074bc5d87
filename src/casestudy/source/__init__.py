"""A study as written: the schema, study.yaml, sections, Markdown, references, charts' data."""
