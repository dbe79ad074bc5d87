"""Bad Word drafts: each refused with a clear error, nothing written, nothing fetched.

Each case builds its file from the acceptance draft (or from nothing) in the test, so
what makes it bad is visible here.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, invoke
from hostile import Listener, big_png, tree_hash

DRAFT = FIXTURES / "word" / "korea-draft.docx"
OPTIONS = ["--country", "South Korea", "--adjective", "Korean", "--no-input"]


@pytest.fixture
def repo(series_repo: Path) -> Path:
    return series_repo


def rewrite(dest: Path, change: dict[str, bytes | None], extra: list[tuple[str, bytes]] = (),
            source: Path = DRAFT) -> Path:
    """The draft with members replaced (None: removed) and ``extra`` members added."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename in change:
                if change[info.filename] is not None:
                    out.writestr(info.filename, change[info.filename])
            else:
                out.writestr(info, src.read(info.filename))
        for name, data in extra:
            out.writestr(name, data)
    return dest


def refused(repo: Path, draft: Path, message: str, *options: str) -> None:
    before = tree_hash(repo)
    result = invoke(repo, "import", str(draft), *OPTIONS, *options)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert tree_hash(repo) == before  # nothing written


def test_not_a_docx(repo: Path, tmp_path: Path) -> None:
    draft = tmp_path / "draft.docx"
    draft.write_text("# Just Markdown\n\nnamed .docx\n", encoding="utf-8")
    refused(repo, draft, "draft.docx:1:1: error: is not a Word document (.docx)")


def test_an_excel_file_is_not_a_docx(repo: Path, tmp_path: Path) -> None:
    draft = tmp_path / "book.docx"
    with zipfile.ZipFile(draft, "w") as out:
        out.writestr("[Content_Types].xml", '<Types xmlns="http://schemas.openxmlformats.org/'
                     'package/2006/content-types"><Override PartName="/xl/workbook.xml" '
                     'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
                     '.sheet.main+xml"/></Types>')
        out.writestr("xl/workbook.xml", "<workbook/>")
    refused(repo, draft, "it has no main document part")


def test_password_protected(repo: Path, tmp_path: Path) -> None:
    """Word saves a file with a password as an OLE compound file holding EncryptionInfo
    and EncryptedPackage streams (MS-OFFCRYPTO); the header and names are what we read."""
    draft = tmp_path / "secret.docx"
    draft.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
                      + "EncryptionInfo".encode("utf-16-le") + bytes(100)
                      + "EncryptedPackage".encode("utf-16-le") + bytes(4000))
    refused(repo, draft, "is password-protected: remove the password in Word")


def test_macro_enabled_docm(repo: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(DRAFT) as src:
        types = src.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"application/vnd.ms-word.document.macroEnabled.main+xml")
    draft = rewrite(tmp_path / "draft.docm", {"[Content_Types].xml": types},
                    [("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macros")])
    refused(repo, draft, "is a macro-enabled document (.docm): macros are never imported")


def test_a_zip_bomb(repo: Path, tmp_path: Path) -> None:
    draft = rewrite(tmp_path / "bomb.docx", {}, [("word/media/filler.bin",
                                                  bytes(450_000_000))])
    assert draft.stat().st_size < 1_000_000
    refused(repo, draft, "would unpack to more than 400 MB (a zip bomb?)")


def test_one_member_that_unpacks_far_beyond_its_size(repo: Path, tmp_path: Path) -> None:
    draft = rewrite(tmp_path / "ratio.docx", {}, [("word/media/filler.bin",
                                                   bytes(50_000_000))])
    refused(repo, draft, "member word/media/filler.bin would unpack 50,000,000 bytes")


@pytest.mark.parametrize("name", ["../../evil.xml", "/etc/evil.xml", "word/../../evil.xml",
                                  "C:/evil.xml"])
def test_members_outside_the_package(repo: Path, tmp_path: Path, name: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(DRAFT) as src, zipfile.ZipFile(buffer, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info.filename))
        info = zipfile.ZipInfo("placeholder-name-of-the-same-length"[:len(name)])
        out.writestr(info, b"<x/>")
    # zipfile cleans names it writes: the hostile name is put in the bytes afterwards
    data = buffer.getvalue().replace("placeholder-name-of-the-same-length"[:len(name)].encode(),
                                     name.encode())
    draft = tmp_path / "climb.docx"
    draft.write_bytes(data)
    refused(repo, draft, f"holds a member named {name!r}, outside the package")
    assert not (tmp_path.parent / "evil.xml").exists()


def test_a_huge_picture(repo: Path, tmp_path: Path) -> None:
    """A valid PNG of 10,000 x 10,000 pixels in 300 KB: refused by the series' image gate
    (files/fetch.py) from its header, before pandoc or anything else decodes it."""
    draft = rewrite(tmp_path / "huge.docx", {"word/media/image1.png": big_png(10_000, 10_000)})
    refused(repo, draft, "picture image1.png at paragraph 27 (under \"The state of the "
                         "US-Korean defense-industrial relationship\") is 10000x10000 pixels, "
                         "more than the 40,000,000 allowed")


def test_a_document_type_declaration(repo: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(DRAFT) as src:
        body = src.read("word/document.xml")
    body = body.replace(b"<w:document", b'<!DOCTYPE w:document [<!ENTITY x SYSTEM '
                        b'"file:///etc/passwd">]><w:document', 1)
    draft = rewrite(tmp_path / "dtd.docx", {"word/document.xml": body})
    refused(repo, draft, "part word/document.xml, line 2: declares a document type")


def test_a_document_ten_thousand_levels_deep(repo: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(DRAFT) as src:
        body = src.read("word/document.xml")
    deep = b"<w:p><w:r><w:t>deep</w:t></w:r></w:p>"
    for _ in range(10_000):
        deep = b"<w:tbl><w:tr><w:tc>" + deep + b"</w:tc></w:tr></w:tbl>"
    body = body.replace(b"<w:body>", b"<w:body>" + deep, 1)
    draft = rewrite(tmp_path / "deep.docx", {"word/document.xml": body})
    refused(repo, draft, "nests more than 200 levels deep")


def test_external_relationships_are_never_fetched(repo: Path, tmp_path: Path) -> None:
    """A picture linked to a URL, an attached template and a linked object, all on a
    live loopback listener: the import reports each and connects to none."""
    listener = Listener()
    try:
        with zipfile.ZipFile(DRAFT) as src:
            rels = src.read("word/_rels/document.xml.rels").decode()
            body = src.read("word/document.xml").decode()
            settings_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http'
                             '://schemas.openxmlformats.org/package/2006/relationships">'
                             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                             'officeDocument/2006/relationships/attachedTemplate" Target="'
                             f'{listener.url}/template.dotm" TargetMode="External"/>'
                             '</Relationships>')
        rels = rels.replace("</Relationships>", (
            '<Relationship Id="rIdNet" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/image" Target="{listener.url}/picture.png" '
            'TargetMode="External"/><Relationship Id="rIdObj" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="'
            f'{listener.url}/sheet.xlsx" TargetMode="External"/></Relationships>'))
        body = body.replace('r:embed="rId', 'r:link="rIdNet" r:embed="rId', 1)
        draft = rewrite(tmp_path / "net.docx", {"word/_rels/document.xml.rels": rels.encode(),
                                                "word/document.xml": body.encode()},
                        [("word/_rels/settings.xml.rels", settings_rels.encode())])
        result = invoke(repo, "import", str(draft), *OPTIONS)
        assert result.exit_code == 1, result.output  # imported, with what it lost said
        assert f"a linked picture ({listener.url}/picture.png), never fetched" in result.output
        assert f"word/settings.xml: a link to outside the file (attachedTemplate: " \
               f"{listener.url}/template.dotm) was not followed" in result.output
        assert f"(oleObject: {listener.url}/sheet.xlsx)" in result.output
        checked = invoke(repo, "build", "south-korea", "--jobs", "1")
        assert listener.accepted == 0, listener.requests
        assert checked.exit_code in (0, 1)
    finally:
        listener.close()
