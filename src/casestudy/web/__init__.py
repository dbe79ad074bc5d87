"""The web edition: study pages, the series index, their shared assets."""
