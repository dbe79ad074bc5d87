"""The rules: per study, across the series, glyph coverage."""
