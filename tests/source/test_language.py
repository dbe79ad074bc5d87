"""`language` in study.yaml: a BCP 47 tag in its standard form (source/schema.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from casestudy.source.schema import StudyMeta

BASE = {
    "schema_version": 1, "title": "Studie", "country": {
        "name": "Israel", "code": "IL", "adjective": "Israeli"},
    "status": "draft", "date": "2026-01-15", "series_number": 3,
    "authors": [{"name": "Dana Levi"}], "sponsor": "",
}


@pytest.mark.parametrize("tag", ["en", "he", "ar", "ko", "ja", "fr-CA", "zh-Hant", "sr-Latn",
                                 "es-419", "de-DE-1996", "en-us"])
def test_valid_tags_are_kept_as_written(tag):
    assert StudyMeta.model_validate({**BASE, "language": tag}).language == tag


@pytest.mark.parametrize(("tag", "message"), [
    ("iw", "'iw' is a withdrawn or non-standard language code; did you mean 'he'?"),
    ("iw-IL", "'iw-IL' is a withdrawn or non-standard language code; did you mean 'he-IL'?"),
    ("in", "'in' is a withdrawn or non-standard language code; did you mean 'id'?"),
    ("en_US", "'en_US' is not a BCP 47 language tag; did you mean 'en-US'?"),
    ("xx", "'xx' is not a BCP 47 language tag such as en, fr-CA, he or zh-Hant"),
    ("english", "'english' is not a BCP 47 language tag such as en, fr-CA, he or zh-Hant"),
])
def test_bad_tags_are_refused_with_a_suggestion(tag, message):
    with pytest.raises(ValidationError) as info:
        StudyMeta.model_validate({**BASE, "language": tag})
    errors = info.value.errors()
    assert [e["loc"] for e in errors] == [("language",)]
    assert errors[0]["msg"] == f"Value error, {message}"
