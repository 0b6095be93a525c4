"""Charset decoding: header, BOM, meta tag and XML declaration, detection, and never an exception."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrapers.charset import decode, declared_in_document, is_textual, normalize_label, parse_content_type

FRENCH = "Le site d’injection supervisée a ouvert — « enfin », dit-elle. Où était l’État ?"


def test_header_charset_is_used_when_it_fits():
    assert decode(FRENCH.encode("cp1252"), "text/html; charset=windows-1252") == (FRENCH, "cp1252")
    assert decode("Straße".encode("iso-8859-15"), 'text/plain; charset="ISO-8859-15"')[0] == "Straße"


def test_wrong_header_charset_still_gives_readable_text():
    text, encoding = decode(FRENCH.encode("cp1252"), "text/html; charset=utf-8")
    assert text == FRENCH and encoding == "cp1252"


def test_utf8_bytes_beat_a_single_byte_header():
    text, encoding = decode(FRENCH.encode("utf-8"), "text/html; charset=iso-8859-1")
    assert text == FRENCH and encoding == "utf-8"


def test_meta_charset_and_http_equiv_and_xml_declaration():
    page = b'<html><head><meta charset="windows-1251"></head><body>' + "Новости".encode("cp1251")
    assert "Новости" in decode(page)[0]
    equiv = (b'<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">'
             + "Привет".encode("koi8-r"))
    assert decode(equiv, "text/html")[0].endswith("Привет")
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?><t>café</t>'.encode("latin-1")
    assert decode(xml, "application/xml")[0].endswith("<t>café</t>")
    assert declared_in_document(b"<html><body>no declaration</body></html>") is None


def test_bom_wins():
    assert decode(b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), "text/html; charset=iso-8859-1") == (FRENCH, "utf-8")
    assert decode(b"\xff\xfe" + "hé".encode("utf-16-le"), None) == ("hé", "utf-16-le")


def test_missing_charset_is_detected():
    assert decode(FRENCH.encode("utf-8"))[0] == FRENCH
    assert decode(FRENCH.encode("cp1252"))[0] == FRENCH
    russian = "Пункт безопасного потребления открылся в центре города на прошлой неделе."
    assert decode(russian.encode("cp1251"), "text/html")[0] == russian


def test_refused_and_unknown_labels_are_ignored():
    assert normalize_label("utf-7") is None
    assert normalize_label("no-such-charset") is None
    assert normalize_label("latin1") == "cp1252"  # the web's meaning of ISO-8859-1
    assert decode(b"+ADw-script+AD4-", "text/html; charset=utf-7")[0] == "+ADw-script+AD4-"
    assert decode(b"plain", "text/html; charset=bogus") == ("plain", "ascii")


def test_content_type_helpers():
    assert parse_content_type('Text/HTML; Charset="UTF-8"') == ("text/html", "UTF-8")
    assert parse_content_type(None) == ("", None)
    assert is_textual("application/rss+xml") and is_textual("text/csv") and is_textual("application/ld+json")
    assert not is_textual("application/pdf") and not is_textual("image/png")


def test_empty_bytes():
    assert decode(b"", "text/html") == ("", "utf-8")


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=2000),
       content_type=st.one_of(st.none(), st.text(max_size=60),
                              st.sampled_from(["text/html; charset=utf-8", "text/html; charset=utf-16",
                                               "text/plain; charset=shift_jis", "text/html; charset=",
                                               'text/html; charset="', "application/xml"])))
def test_decoding_arbitrary_bytes_never_raises(data, content_type):
    text, encoding = decode(data, content_type)
    assert isinstance(text, str) and isinstance(encoding, str) and encoding
    if not data:
        assert text == ""


@settings(max_examples=100, deadline=None)
@given(prefix=st.binary(max_size=300), charset=st.text(max_size=20))
def test_arbitrary_meta_declarations_never_raise(prefix, charset):
    data = prefix + b'<meta charset="' + charset.encode("utf-8", "replace") + b'">' + prefix
    text, _ = decode(data, "text/html")
    assert isinstance(text, str)
