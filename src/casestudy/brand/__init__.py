"""The series' brand: _brand.yml, typefaces, what the fonts can draw, font files for PDF and web."""
