"""A checked study and its brand -> HTML -> PDF: templates, charts, citations."""
