"""countries.py: ISO codes, the names authors type, and folder slugs."""

from __future__ import annotations

import pycountry
import pytest

from casestudy.errors import ScaffoldError
from casestudy.source.countries import ascii_fold, check_code, names_of, resolve, slugify


@pytest.mark.parametrize(("name", "slug"), [
    ("Côte d'Ivoire", "cote-divoire"), ("South Korea", "south-korea"), ("Türkiye", "turkiye"),
    ("Åland Islands", "aland-islands"), ("Curaçao", "curacao"), ("São Tomé and Príncipe",
                                                                 "sao-tome-and-principe"),
    ("Bosnia and Herzegovina", "bosnia-and-herzegovina"), ("  Norway  ", "norway"),
    ("Korea, Republic of", "korea-republic-of"), ("Færøerne", "faeroerne"),
])
def test_slugify_is_ascii_lower_hyphenated(name, slug):
    assert slugify(name) == slug


def test_ascii_fold_spells_letters_unicode_does_not_decompose():
    assert ascii_fold("Øresund, Łódź, Straße") == "Oresund, Lodz, Strasse"


@pytest.mark.parametrize(("typed", "code", "printed"), [
    ("Japan", "JP", "Japan"), ("japan", "JP", "Japan"), ("South Korea", "KR", "South Korea"),
    ("cote d'ivoire", "CI", "Côte d'Ivoire"), ("Ivory Coast", "CI", "Ivory Coast"),
    ("Turkey", "TR", "Turkey"), ("Türkiye", "TR", "Türkiye"), ("the Netherlands", "NL",
                                                               "Netherlands"),
    ("Norway", "NO", "Norway"), ("  United   Kingdom ", "GB", "United Kingdom"),
])
def test_resolve_names_and_aliases(typed, code, printed):
    country = resolve(typed)
    assert (country.code, country.name) == (code, printed)
    assert resolve(typed, code.lower()) == country


def test_every_iso_name_resolves_to_its_own_code():
    for country in pycountry.countries:
        for name in names_of(country.alpha_2):
            assert resolve(name, country.alpha_2).code == country.alpha_2, name


def test_name_and_code_must_agree():
    with pytest.raises(ScaffoldError) as exc:
        resolve("Norway", "SE")
    assert str(exc.value) == "error: country 'Norway' has the code NO, not SE (SE is Sweden)"


@pytest.mark.parametrize("code", ["XX", "N", "NOR", "1A", "", "ÑO"])
def test_codes_that_are_not_iso_alpha_2(code):
    with pytest.raises(ScaffoldError) as exc:
        check_code(code)
    assert str(exc.value) == (f"error: {code!r} is not an ISO 3166-1 alpha-2 country code "
                              "(two letters, e.g. JP for Japan)")


def test_check_code_normalises_case_and_space():
    assert check_code(" no ") == "NO"


def test_unknown_name_suggests_and_ends_a_sentence():
    with pytest.raises(ScaffoldError) as exc:
        resolve("Korea")
    assert str(exc.value) == ("error: 'Korea' is not a country name known to ISO 3166-1; did you "
                              "mean 'North Korea' or 'South Korea'? Use the country's common "
                              "English name, e.g. 'South Korea'.")
    with pytest.raises(ScaffoldError) as exc:
        resolve("../x")
    assert str(exc.value) == ("error: '../x' is not a country name known to ISO 3166-1. Use the "
                              "country's common English name, e.g. 'South Korea'.")


def test_hint_uses_the_code_when_given():
    with pytest.raises(ScaffoldError, match="did you mean 'Japan'"):
        resolve("Nippon", "JP")


def test_names_of_unknown_code_is_empty():
    assert names_of("XX") == []
    assert names_of("KR") == ["South Korea", "Korea, Republic of"]
