"""scaffold.py and the `new` / `upgrade` commands: the template, generation, upgrade.

The template's section stubs are golden files generated from the schema; after a
change of the schema regenerate them with
``CASESTUDY_REGEN=1 python -m pytest tests/scaffold/test_scaffold.py`` and review the diff.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pycountry
import pytest
from typer.testing import CliRunner

from casestudy.brand.load import default_brand
from casestudy.check.study import check_study
from casestudy.errors import ScaffoldError
from casestudy.files.yamlfile import read_yaml
from casestudy.scaffold import new as scaffold
from casestudy.scaffold import upgrade
from casestudy.scaffold.answers import make_answers, next_series_number
from casestudy.scaffold.new import new_study
from casestudy.scaffold.stubs import stub_source, template_drift, write_stubs
from casestudy.scaffold.template import PROJECT, Answers, render_study_yaml, template_root
from casestudy.scaffold.upgrade import upgrade_study
from casestudy.source.countries import names_of, slugify
from casestudy.source.load import load_study
from casestudy.source.schema import SECTIONS, TEMPLATE_VERSION, StudyMeta
from conftest import REPO, invoke
from pdfinfo import read_pdf

TEMPLATE = REPO / "template"
runner = CliRunner()


def run(cwd: Path, *args: str, input: str | None = None):
    return invoke(cwd, *args, input=input)


def tree(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` -> its kind, mode and content hash."""
    out = {}
    for path in sorted(folder.rglob("*")):
        st = path.lstat()
        kind = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
        out[str(path.relative_to(folder))] = f"{kind} {stat.filemode(st.st_mode)} {st.st_mtime_ns}"
    return out


def answers(**changes) -> Answers:
    base = dict(country="Japan", code="JP", adjective="Japanese", slug="japan",
                title="A title", subtitle="", authors=("Test Author",), date="2026-11-25",
                series_number=2)
    return Answers(**{**base, **changes})


def yaml_of(text: str, tmp_path: Path):
    path = tmp_path / "probe.yaml"
    path.write_text(text, encoding="utf-8")
    doc = read_yaml(path)
    assert doc.problems == []
    return doc.data


# ---------------------------------------------------------------- the template and the schema

def test_template_stubs_are_generated_from_the_schema():
    if os.environ.get("CASESTUDY_REGEN"):
        write_stubs(TEMPLATE)
    assert template_root() == TEMPLATE
    assert template_drift() == []
    for spec in SECTIONS:
        committed = (TEMPLATE / PROJECT / "sections" / spec.filename).read_text()
        assert committed == stub_source(spec)


def test_a_stub_follows_its_spec():
    spec = next(s for s in SECTIONS if s.id == "relationship")
    text = stub_source(spec)
    assert text.splitlines()[0] == ("# The state of the US-{{ cookiecutter.adjective }} "
                                    "defense-industrial relationship")
    assert spec.purpose in text and "400-1,500 words" in text and "TODO" in text
    assert "[^relationship-source]" in text and "\n[^relationship-source]: " in text
    ownership = stub_source(next(s for s in SECTIONS if s.id == "ownership"))
    assert "This section is optional" in ownership


@pytest.fixture
def template_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(TEMPLATE, tmp_path / "template"))


def test_drift_names_a_section_without_stub_and_a_stub_without_section(template_copy):
    sections = template_copy / PROJECT / "sections"
    (sections / "06-supply-chain.md").unlink()
    (sections / "09-annex.md").write_text("# Annex\n")
    (sections / "08-conclusion.md").write_text("# Conclusion\n\nEdited by hand.\n")
    assert template_drift(template_copy) == [
        "section 'supply-chain' has no stub (expected sections/06-supply-chain.md)",
        "sections/08-conclusion.md differs from the stub the schema gives",
        "sections/09-annex.md is a stub of no section in the schema",
    ]


def test_drift_names_study_yaml_keys_the_schema_does_not_have(template_copy):
    study = template_copy / PROJECT / "study.yaml"
    text = study.read_text()
    text = text.replace("sponsor: ''", "sponsr: ''").replace("    affiliation: ''\n", "")
    study.write_text(text.replace("  adjective:", "  demonym:"))
    assert template_drift(template_copy) == [
        "study.yaml lacks the schema's key 'sponsor'",
        "study.yaml has 'sponsr', which the schema does not know",
        "study.yaml country lacks the schema's key 'adjective'",
        "study.yaml country has 'demonym', which the schema does not know",
        "study.yaml authors lacks the schema's key 'affiliation'",
    ]


def test_template_version_agrees_everywhere(template_copy, tmp_path):
    config = json.loads((TEMPLATE / "cookiecutter.json").read_text())
    assert config["_template_version"] == TEMPLATE_VERSION
    assert yaml_of(render_study_yaml(answers()), tmp_path)["template_version"] == TEMPLATE_VERSION
    config["_template_version"] = TEMPLATE_VERSION + 1
    (template_copy / "cookiecutter.json").write_text(json.dumps(config))
    assert template_drift(template_copy) == [
        f"cookiecutter.json _template_version {TEMPLATE_VERSION + 1} is not TEMPLATE_VERSION "
        f"{TEMPLATE_VERSION}"]


def test_template_study_yaml_has_the_schema_keys_and_validates(tmp_path):
    data = yaml_of(render_study_yaml(answers(authors=("A", "B"))), tmp_path)
    assert list(data) == list(StudyMeta.model_fields)
    meta = StudyMeta.model_validate(data)
    assert [a.name for a in meta.authors] == ["A", "B"]
    assert meta.status == "draft" and meta.country.code == "JP"


def test_template_has_no_hooks():
    assert not (TEMPLATE / "hooks").exists()


def test_every_iso_code_lands_in_study_yaml_as_written(tmp_path):
    codes = [c.alpha_2 for c in pycountry.countries]
    assert len(codes) == 249 and {"NO", "ON", "YE", "NA"} & set(codes) == {"NO", "YE", "NA"}
    for code in codes:
        name = names_of(code)[0]
        text = render_study_yaml(answers(country=name, code=code, slug=slugify(name)))
        data = yaml_of(text, tmp_path)
        assert data["country"]["code"] == code
        assert data["country"]["name"] == name
        assert StudyMeta.model_validate(data).country.code == code


@pytest.mark.parametrize(("name", "code"), [("Norway", "NO"), ("Yemen", "YE"),
                                             ("Namibia", "NA"), ("Côte d'Ivoire", "CI")])
def test_new_keeps_yaml_1_1_lookalike_codes(series_repo, name, code):
    root = new_study(series_repo, name, adjective="Adjectival", authors=["A"])
    meta = load_study(root).meta
    assert meta is not None and meta.country.code == code and meta.country.name == name


def test_cookiecutter_slug_default_agrees_with_casestudy_slugs():
    from cookiecutter.environment import StrictEnvironment

    expression = json.loads((TEMPLATE / "cookiecutter.json").read_text())["slug"]
    template = StrictEnvironment(context={}).from_string(expression)
    for country in pycountry.countries:
        for name in names_of(country.alpha_2):
            assert template.render(cookiecutter={"country": name}) == slugify(name), name


def test_plain_cookiecutter_works_on_the_template(tmp_path):
    from cookiecutter.main import cookiecutter

    config = tmp_path / "config.yaml"
    config.write_text(f"cookiecutters_dir: {tmp_path / 'cc'}\nreplay_dir: {tmp_path / 'replay'}\n")
    out = tmp_path / "countries"
    made = cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out),
                        config_file=str(config))
    assert Path(made) == out / "norway"
    study = load_study(out / "norway")
    assert study.meta is not None and study.meta.country.code == "NO"
    assert study.meta.title == "The US-Norwegian defense-industrial partnership"
    assert [p for p in check_study(study, brand=default_brand()) if p.is_error] == []
    made = cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out), config_file=str(config),
                        extra_context={"country": "South Korea", "code": "KR",
                                       "adjective": "South Korean", "authors": "A; B"})
    meta = load_study(Path(made)).meta
    assert Path(made).name == "south-korea" and meta is not None
    assert [a.name for a in meta.authors] == ["A", "B"]


# ---------------------------------------------------------------- new, from the command line

def test_new_japan_checks_with_warnings_only_and_builds(series_repo):
    result = run(series_repo, "new", "Japan", "--code", "JP", "--adjective", "Japanese",
                 "--author", "Test Author", "--no-input")
    assert result.exit_code == 0, result.output
    assert result.stderr == "created countries/japan; next: casestudy check japan\n"
    root = series_repo / "countries" / "japan"
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*")) == [
        "figures", "figures/README.md", "figures/example-chart.svg", "sections",
        *[f"sections/{s.filename}" for s in SECTIONS], "study.yaml"]
    assert [p.name for p in (series_repo / "countries").iterdir()] == ["japan"]
    first = (root / "sections" / "03-relationship.md").read_text().splitlines()[0]
    assert first == "# The state of the US-Japanese defense-industrial relationship"

    checked = run(series_repo, "check", "japan")
    assert checked.exit_code == 0, checked.output
    lines = checked.stdout.splitlines()
    assert lines and all(": warning: " in line for line in lines)
    assert not any(re.search(r"bulleted list|'## ' subsection|alt text|footnote \[", line)
                   for line in lines), lines

    built = run(series_repo, "build", "japan")
    assert built.exit_code == 0, built.output
    pdf = read_pdf(series_repo / "build" / "japan.pdf")
    cover = re.sub(r"-\s+", "-", pdf.pages[0])
    assert "The US-Japanese defense-industrial partnership" in cover
    assert "By Test Author" in cover
    meta = pdf.reader.metadata
    assert meta is not None and meta.title.startswith(
        "The US-Japanese defense-industrial partnership")
    # each stub's example block is there to copy, and builds: a pull quote, a figure, a table
    text = "\n".join(pdf.pages)
    assert "the one sentence of this section worth setting large" in text
    assert "Figure 1. TODO: US-Japanese defense trade, 2015-2025." in text
    assert "Table 1. TODO: acquisitions across the border since 2015." in text


def test_new_prompts_for_what_is_missing(series_repo):
    (series_repo / "countries" / "italy").mkdir()
    (series_repo / "countries" / "italy" / "study.yaml").write_text(
        "series_number: 1\ncountry: {code: IT}\n")
    answers_typed = "\n".join([
        "",                  # code: accept JP, the name's
        "",                  # adjective: required, asked again
        "Japanese",
        "",                  # title: accept the default
        "Made together",     # subtitle
        "Ann Author; Bo Author",
        "2026-02-30",        # not a date: said, asked again
        "2026-03-01",
        "1",                 # taken by italy: said, asked again
        "",                  # the next free number
    ]) + "\n"
    result = run(series_repo, "new", "Japan", input=answers_typed)
    assert result.exit_code == 0, result.output
    out = result.stdout
    for prompt in ("ISO 3166-1 alpha-2 code [JP]: ",
                   "Adjective used in headings (e.g. Norwegian): ",
                   "Title [The US-Japanese defense-industrial partnership]: ",
                   "Author name(s), separated by ';': ",
                   "Number in the series [2]: "):
        assert prompt in out
    assert "Error: date '2026-02-30' is not an ISO date (YYYY-MM-DD, e.g. 2026-11-25)" in out
    assert "Error: series number 1 is already used by countries/italy" in out
    meta = load_study(series_repo / "countries" / "japan").meta
    assert meta is not None
    assert (meta.title, meta.subtitle) == ("The US-Japanese defense-industrial partnership",
                                           "Made together")
    assert [a.name for a in meta.authors] == ["Ann Author", "Bo Author"]
    assert (str(meta.date), meta.series_number, meta.country.adjective) == (
        "2026-03-01", 2, "Japanese")


@pytest.mark.parametrize(("args", "message"), [
    (["Japan", "--author", "A"], "error: adjective is required (--adjective, e.g. Japanese)"),
    (["Japan", "--adjective", "Japanese"],
     "error: at least one author is required (--author \"Name\")"),
    (["Japan", "--code", "XX", "--adjective", "Japanese", "--author", "A"],
     "error: 'XX' is not an ISO 3166-1 alpha-2 country code (two letters, e.g. JP for Japan)"),
    (["Japan", "--code", "KR", "--adjective", "Japanese", "--author", "A"],
     "error: country 'Japan' has the code JP, not KR (KR is South Korea)"),
    (["Japan", "--adjective", "Japanese", "--author", "A", "--date", "25/11/2026"],
     "error: date '25/11/2026' is not an ISO date (YYYY-MM-DD, e.g. 2026-11-25)"),
    (["Japan", "--adjective", "Japanese", "--author", "A", "--series-number", "0"],
     "error: series number 0 must be a whole number from 1 up"),
    (["Japan", "--adjective", "Japanese", "--author", "A; B"],
     "error: an author's name cannot contain ';' (give --author once per author)"),
    (["../x", "--adjective", "X", "--author", "A"],
     "error: '../x' is not a country name known to ISO 3166-1. Use the country's common "
     "English name, e.g. 'South Korea'."),
    (["/tmp/x", "--adjective", "X", "--author", "A"],
     "error: '/tmp/x' is not a country name known to ISO 3166-1. Use the country's common "
     "English name, e.g. 'South Korea'."),
    (["", "--adjective", "X", "--author", "A"], "error: the country's name is required (NAME)"),
])
def test_new_refuses_bad_answers_before_writing(tmp_path, args, message):
    (tmp_path / "series.yaml").write_text((REPO / "series.yaml").read_text())
    result = run(tmp_path, "new", *args, "--no-input")
    assert result.exit_code == 2
    assert result.stderr == message + "\n"
    assert "Traceback" not in result.output and result.exception is None or \
        isinstance(result.exception, SystemExit)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["series.yaml"]  # not even countries/


def test_new_never_touches_an_existing_folder(series_repo):
    root = series_repo / "countries" / "japan"
    (root / "sections").mkdir(parents=True)
    (root / "sections" / "01-summary.md").write_text("# Key points\n\n- Mine.\n")
    (root / "notes.txt").write_text("an author's notes, no study.yaml yet")
    before = tree(series_repo)
    result = run(series_repo, "new", "Japan", "--adjective", "Japanese", "--author", "A",
                 "--no-input")
    assert result.exit_code == 2
    assert result.stderr == ("error: countries/japan already exists; casestudy new never "
                             "overwrites a study (to add what the template gained, run: "
                             "casestudy upgrade japan)\n")
    assert tree(series_repo) == before
    prompted = run(series_repo, "new", "Japan", input="Japanese\n")  # refused before asking
    assert prompted.exit_code == 2 and prompted.stdout == ""
    assert prompted.stderr == result.stderr
    assert tree(series_repo) == before


def test_new_removes_what_a_killed_new_left_and_nothing_else(series_repo):
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from casestudy.scaffold import new\n"
            "real = new.generate_files\n"
            "def slow(**kw):\n"
            "    made = real(**kw)\n"
            "    print('generated', flush=True)\n"
            "    time.sleep(120)\n"
            "    return made\n"
            "new.generate_files = slow\n"
            "new.new_study(Path(sys.argv[1]), 'Japan', adjective='Japanese', authors=['A'])\n")
    child = subprocess.Popen([sys.executable, "-c", code, str(series_repo)],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline() == "generated\n"
    child.kill()  # SIGKILL: no finally block runs
    child.wait(timeout=30)
    countries = series_repo / "countries"
    [left] = [p.name for p in countries.iterdir()]
    assert left.startswith(".new-japan-")
    hour_ago = os.path.getmtime(countries) - 2 * 3600
    os.utime(countries / left, (hour_ago, hour_ago))
    (countries / ".new-ideas").mkdir()  # an author's folder, however old
    os.utime(countries / ".new-ideas", (hour_ago, hour_ago))
    (countries / ".new-norway-abcd1234").mkdir()  # another `new` still running
    new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    assert sorted(p.name for p in countries.iterdir()) == [
        ".new-ideas", ".new-norway-abcd1234", "japan"]


def test_one_study_per_country(series_repo):
    new_study(series_repo, "Türkiye", adjective="Turkish", authors=["A"])
    before = tree(series_repo)
    with pytest.raises(ScaffoldError) as exc:
        new_study(series_repo, "Turkey", adjective="Turkish", authors=["A"])
    assert exc.value.message == ("countries/turkiye already studies Turkey (TR); the series has "
                                 "one study per country")
    assert tree(series_repo) == before


@pytest.mark.parametrize(("name", "slug", "printed"), [
    ("Côte d'Ivoire", "cote-divoire", "Côte d'Ivoire"), ("south korea", "south-korea",
                                                         "South Korea"),
    ("Türkiye", "turkiye", "Türkiye"), ("Åland Islands", "aland-islands", "Åland Islands"),
])
def test_unicode_names(series_repo, name, slug, printed):
    root = new_study(series_repo, name, adjective="Adjectival", authors=["Zoë Ðorđević"])
    assert root == series_repo / "countries" / slug
    meta = load_study(root).meta
    assert meta is not None and meta.country.name == printed
    assert meta.authors[0].name == "Zoë Ðorđević"


def test_answers_are_never_rendered_as_jinja(series_repo):
    root = new_study(series_repo, "Japan", adjective="{{ 7*7 }}", authors=["It's {{ 7*7 }}"],
                     title="{% if true %}x{% endif %} & 'quoted'", subtitle="{# c #}")
    meta = load_study(root).meta
    assert meta is not None
    assert meta.title == "{% if true %}x{% endif %} & 'quoted'" and meta.subtitle == "{# c #}"
    assert meta.authors[0].name == "It's {{ 7*7 }}" and meta.country.adjective == "{{ 7*7 }}"
    heading = (root / "sections" / "03-relationship.md").read_text().splitlines()[0]
    assert heading == "# The state of the US-{{ 7*7 }} defense-industrial relationship"
    assert "49" not in (root / "study.yaml").read_text()


def test_default_title_is_built_from_the_adjective_without_rendering_it(series_repo):
    got = make_answers(series_repo, "Japan", adjective="{{ 7*7 }}", authors="A")
    assert got.title == "The US-{{ 7*7 }} defense-industrial partnership"
    assert got.subtitle == "Allied defense-industrial integration: the {{ 7*7 }} case"


@pytest.mark.parametrize("bad", ["two\nlines", "tab\x0bbed", "nul\x00", "sep\u2028line"])
def test_answers_must_be_one_line(series_repo, bad):
    with pytest.raises(ScaffoldError, match="must be one line of text"):
        make_answers(series_repo, "Japan", adjective="Japanese", authors="A", title=bad)


def test_series_number_defaults_to_the_next_free_one(series_repo):
    assert next_series_number(series_repo) == 1
    for slug, text in (("a", "series_number: 4\n"), ("b", "series_number: [\n"),
                       ("c", "series_number: '9'\n")):
        (series_repo / "countries" / slug).mkdir()
        (series_repo / "countries" / slug / "study.yaml").write_text(text)
    assert next_series_number(series_repo) == 5
    assert new_study(series_repo, "Japan", adjective="J", authors=["A"], series_number=2)
    assert load_study(series_repo / "countries" / "japan").meta.series_number == 2


def test_a_failure_while_generating_leaves_nothing(series_repo, monkeypatch):
    import cookiecutter.generate

    real = cookiecutter.generate.generate_file
    calls = []

    def fail_on_third(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(cookiecutter.generate, "generate_file", fail_on_third)
    with pytest.raises(OSError):
        new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    assert list((series_repo / "countries").iterdir()) == []


def test_a_template_that_makes_errors_is_refused(series_repo, monkeypatch, template_copy):
    stub = template_copy / PROJECT / "sections" / "02-imperative.md"
    stub.write_text(stub.read_text() + "\n<script>alert(1)</script>\n")
    monkeypatch.setattr(scaffold, "template_root", lambda: template_copy)
    with pytest.raises(ScaffoldError, match="the template made a study with errors: .*raw HTML"):
        new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    assert list((series_repo / "countries").iterdir()) == []


def test_hooks_in_the_template_never_run(series_repo, monkeypatch, template_copy, tmp_path):
    marker = tmp_path / "hook-ran"
    (template_copy / "hooks").mkdir()
    for hook in ("pre_prompt", "pre_gen_project", "post_gen_project"):
        (template_copy / "hooks" / f"{hook}.py").write_text(
            f"open({str(marker)!r}, 'w').write('{hook}')\n")
    monkeypatch.setattr(scaffold, "template_root", lambda: template_copy)
    new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    assert not marker.exists()


def test_new_reads_and_writes_nothing_in_home(series_repo, tmp_path):
    """No ~/.cookiecutterrc is read, no replay file written; a read-only HOME works."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".cookiecutterrc").write_text(
        "default_context:\n  adjective: Hijacked\n  title: Hijacked\n"
        f"replay_dir: {home / 'replay'}\n")
    before = tree(home)
    home.chmod(0o555)
    env = {**os.environ, "HOME": str(home), "COOKIECUTTER_CONFIG": str(home / ".cookiecutterrc")}
    try:
        done = subprocess.run([str(Path(sys.executable).parent / "casestudy"), "new", "Poland",
                               "--adjective", "Polish", "--author", "A", "--no-input"],
                              cwd=series_repo, env=env, capture_output=True, text=True,
                              timeout=120)
    finally:
        home.chmod(0o755)
    assert done.returncode == 0, done.stderr
    assert tree(home) == before
    text = (series_repo / "countries" / "poland" / "study.yaml").read_text()
    assert "Hijacked" not in text and "title: 'The US-Polish defense-industrial" in text
    # even root cannot make ~/.cookiecutter_replay when HOME is a file
    env["HOME"] = str(home / ".cookiecutterrc")
    done = subprocess.run([str(Path(sys.executable).parent / "casestudy"), "new", "Chile",
                           "--adjective", "Chilean", "--author", "A", "--no-input"],
                          cwd=series_repo, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (series_repo / "countries" / "chile" / "study.yaml").is_file()


# ---------------------------------------------------------------- upgrade

@pytest.fixture
def italy(series_repo: Path) -> Path:
    """Italy as it was before the template existed: written to the schema by hand, with
    no template_version (the repository's copy has since been upgraded)."""
    root = series_repo / "countries" / "italy"
    shutil.copytree(REPO / "countries" / "italy", root)
    study = root / "study.yaml"
    upgraded = "# added by casestudy upgrade (template version 1)\ntemplate_version: 1\n"
    assert study.read_text().endswith(upgraded)
    study.write_text(study.read_text().removesuffix(upgraded))
    return root


def test_upgrade_adds_stubs_and_keys_keeping_every_byte(italy, series_repo):
    (italy / "sections" / "06-supply-chain.md").unlink()
    (italy / "sections" / "05-ownership.md").unlink()
    study = italy / "study.yaml"
    old = study.read_bytes()
    text = old.decode()
    cut = text.index("related:")
    text = text[:cut].replace('sponsor: "This issue brief was produced without external '
                              'funding; the views expressed are the authors\' own."\n', "")
    study.write_bytes(text.encode())
    old = study.read_bytes()
    before = tree(italy)

    result = run(series_repo, "upgrade", "italy")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "countries/italy/sections/06-supply-chain.md: added a stub",
        "countries/italy/study.yaml: added sponsor, related, template_version",
        "countries/italy/sections/05-ownership.md: optional section not added (--optional)",
    ]
    after = tree(italy)
    changed = {k for k in before if before[k] != after.get(k)}
    assert changed <= {"study.yaml", "sections"}  # the folder's mtime, and the file we append to
    new = study.read_bytes()
    assert new.startswith(old)
    assert new[len(old):].decode() == (
        f"# added by casestudy upgrade (template version {TEMPLATE_VERSION})\n"
        "sponsor: ''  # funding acknowledgement; may stay empty but must be present\n"
        "related: []  # earlier work: {author: ..., title: ..., year: ..., url: ...}\n"
        f"template_version: {TEMPLATE_VERSION}\n")
    stub = (italy / "sections" / "06-supply-chain.md").read_text()
    spec = next(s for s in SECTIONS if s.id == "supply-chain")
    assert stub == stub_source(spec)  # no {adjective} in this heading: the source itself
    assert not (italy / "sections" / "05-ownership.md").exists()
    assert [p for p in check_study(load_study(italy), brand=default_brand()) if p.is_error] == []
    assert not list(italy.rglob("*.tmp"))

    settled = tree(italy)
    again = run(series_repo, "upgrade", "italy")
    assert again.exit_code == 0
    assert again.stdout == ("countries/italy/sections/05-ownership.md: optional section not "
                            "added (--optional)\n")
    assert again.stderr == f"italy: nothing to add (template version {TEMPLATE_VERSION})\n"
    assert tree(italy) == settled


def test_upgrade_optional_renders_the_heading_with_the_adjective(italy):
    (italy / "sections" / "03-relationship.md").unlink()
    (italy / "sections" / "05-ownership.md").unlink()
    done = upgrade_study(italy, optional=True)
    assert done.sections == ["sections/03-relationship.md", "sections/05-ownership.md"]
    first = (italy / "sections" / "03-relationship.md").read_text().splitlines()[0]
    assert first == "# The state of the US-Italian defense-industrial relationship"
    # the relationship stub shows a figure: its example file comes with it, and checks
    assert done.figures == ["figures/example-chart.svg"]
    assert ((italy / "figures" / "example-chart.svg").read_bytes()
            == (TEMPLATE / "{{cookiecutter.slug}}" / "figures" / "example-chart.svg").read_bytes())
    assert [p for p in check_study(load_study(italy), brand=default_brand()) if p.is_error] == []


def test_upgrade_never_replaces_a_figure_of_the_study(italy):
    (italy / "sections" / "03-relationship.md").unlink()
    mine = italy / "figures" / "example-chart.svg"
    mine.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    done = upgrade_study(italy)
    assert done.figures == [] and mine.read_text() == '<svg xmlns="http://www.w3.org/2000/svg"/>'


def test_upgrade_without_a_study_upgrades_every_study(italy, series_repo):
    japan = new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    (japan / "sections" / "08-conclusion.md").unlink()
    (italy / "sections" / "08-conclusion.md").unlink()
    result = run(series_repo, "upgrade")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert "countries/italy/sections/08-conclusion.md: added a stub" in lines
    assert "countries/japan/sections/08-conclusion.md: added a stub" in lines
    assert (italy / "sections" / "08-conclusion.md").is_file()
    assert (japan / "sections" / "08-conclusion.md").is_file()


def test_upgrade_of_a_new_study_adds_nothing(series_repo):
    root = new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    before = tree(root)
    done = upgrade_study(root, optional=True)
    assert not done.changed and tree(root) == before


def test_upgrade_bumps_an_older_template_version_in_place(series_repo, monkeypatch):
    root = new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    study = root / "study.yaml"
    text = study.read_text().replace("template_version: 1", "template_version: 1  # mine")
    study.write_text(text)
    monkeypatch.setattr(upgrade, "TEMPLATE_VERSION", 2)
    done = upgrade_study(root)
    assert done.template_version == (1, 2) and done.keys == []
    assert study.read_text() == text.replace("template_version: 1  # mine",
                                             "template_version: 2  # mine")


def test_upgrade_refuses_a_newer_template_and_broken_yaml(series_repo):
    root = new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    study = root / "study.yaml"
    study.write_text(study.read_text().replace("template_version: 1", "template_version: 7"))
    before = tree(root)
    with pytest.raises(ScaffoldError) as exc:
        upgrade_study(root)
    assert str(exc.value).endswith("error: the study was made by template version 7, newer than "
                                   f"this casestudy's ({TEMPLATE_VERSION}); upgrade casestudy "
                                   "first")
    study.write_text("title: [unclosed\n")
    before = tree(root)
    result = run(series_repo, "upgrade", "japan")
    assert result.exit_code == 2
    assert result.stderr.startswith("countries/japan/study.yaml:2:1: error: cannot upgrade: "
                                    "invalid YAML")
    assert tree(root) == before


def test_upgrade_refuses_to_append_where_it_would_change_meaning(italy):
    study = italy / "study.yaml"
    study.write_text('{schema_version: 1, title: "T"}')  # flow style: appending breaks it
    before = tree(italy)
    with pytest.raises(ScaffoldError, match="cannot append the missing keys"):
        upgrade_study(italy)
    assert tree(italy) == before


def test_upgrade_appends_after_a_last_line_without_newline(italy):
    study = italy / "study.yaml"
    text = study.read_text()
    text = text[: text.index("related:")].rstrip("\n")
    study.write_text(text)
    upgrade_study(italy)
    new = study.read_text()
    assert new.startswith(text + "\n# added by casestudy upgrade")
    assert load_study(italy).meta is not None


def test_upgrade_of_no_study(series_repo):
    result = run(series_repo, "upgrade", "atlantis")
    assert result.exit_code == 2
    assert "'atlantis' is neither a study folder nor a study in countries/" in result.stderr


def test_upgrade_keeps_crlf_line_ends_and_creates_sections(italy):
    study = italy / "study.yaml"
    text = study.read_text()
    study.write_bytes(text[: text.index("related:")].replace("\n", "\r\n").encode())
    old = study.read_bytes()
    shutil.rmtree(italy / "sections")
    done = upgrade_study(italy)
    assert len(done.sections) == len([s for s in SECTIONS if s.required])
    new = study.read_bytes()
    assert new.startswith(old) and b"\n" not in new[len(old):].replace(b"\r\n", b"")
    assert load_study(italy).meta is not None


def test_upgrade_sets_a_null_template_version(italy):
    study = italy / "study.yaml"
    text = study.read_text() + "template_version: null   # unknown\n"
    study.write_text(text)
    done = upgrade_study(italy)
    assert done.template_version == (None, TEMPLATE_VERSION) and done.keys == []
    assert study.read_text() == text.replace("template_version: null ",
                                             f"template_version: {TEMPLATE_VERSION} ")


def test_a_folder_appearing_while_generating_is_left_alone(series_repo, monkeypatch):
    real = scaffold.check_study
    target = series_repo / "countries" / "japan"

    def check_and_race(study, *args, **kwargs):
        target.mkdir()
        (target / "study.yaml").write_text("someone else's\n")
        return real(study, *args, **kwargs)

    monkeypatch.setattr(scaffold, "check_study", check_and_race)
    with pytest.raises(ScaffoldError) as exc:
        new_study(series_repo, "Japan", adjective="Japanese", authors=["A"])
    assert str(exc.value) == "error: countries/japan appeared while generating; nothing was written"
    assert [p.name for p in (series_repo / "countries").iterdir()] == ["japan"]
    assert [p.name for p in target.iterdir()] == ["study.yaml"]
