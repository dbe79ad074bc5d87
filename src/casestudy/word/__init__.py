"""The Word stage: drafts written in Word brought into the series' schema.

``import`` (importer.py) reads a .docx through ``package`` (the zip and its XML, judged
before anything is read), ``scan`` (what pandoc does not tell: review marks, comments,
links to outside, what cannot be carried) and ``draft`` (pictures judged, pandoc's
reading), converts it (``convert``: sections, figures, tables, notes; ``citations``:
reference managers' items under readable keys) and writes it through scaffold's ``new``.
A Word copy for reviewers, and their changes back, belong here too.
"""
