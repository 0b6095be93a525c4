"""Page metadata from structured markup: JSON-LD (incl. @graph), OpenGraph and <meta> tags.

Everything here reads an already parsed lxml tree and never modifies it, so the same tree can be
handed to trafilatura afterwards. Language falls back to a small stop-word counter (no downloads).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

# JSON-LD types that describe the article itself (not the site, the breadcrumb or an author).
ARTICLE_TYPES = frozenset(
    {
        "article", "newsarticle", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "scholarlyarticle",
        "techarticle", "report", "liveblogposting", "posting", "socialmediaposting", "medicalwebpage",
        "webpage", "governmentservice", "legislation", "creativework",
    }
)
_PAGE_LIKE = frozenset({"webpage", "creativework"})  # weaker than a real article type


@dataclass
class PageMeta:
    """What structured markup on a page says about it; `None` where the page says nothing."""

    title: str | None = None
    outlet: str | None = None
    canonical_url: str | None = None
    language: str | None = None
    article_body: str | None = None
    jsonld_dates: list[str] = field(default_factory=list)   # datePublished values, best first
    og_dates: list[str] = field(default_factory=list)       # article:published_time & co
    meta_dates: list[str] = field(default_factory=list)     # other <meta> / microdata publication dates


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = re.sub(r"\s+", " ", value).strip()
    return value or None


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _walk(node: object, depth: int = 0) -> Iterator[dict]:
    """Every JSON-LD object in `node`, following lists and @graph (depth-limited)."""
    if depth > 6:
        return
    if isinstance(node, list):
        for item in node:
            yield from _walk(item, depth + 1)
    elif isinstance(node, dict):
        yield node
        graph = node.get("@graph")
        if graph is not None:
            yield from _walk(graph, depth + 1)


def jsonld_objects(tree: HtmlElement) -> list[dict]:
    """All JSON-LD objects of the page, in document order; malformed blocks are skipped."""
    found: list[dict] = []
    for script in tree.iterfind(".//script"):
        if "ld+json" not in (script.get("type") or "").lower():
            continue
        raw = (script.text or "").strip()
        if not raw:
            continue
        raw = raw.removeprefix("<!--").removesuffix("-->").strip().rstrip(";")
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            continue
        found.extend(_walk(data))
    return found


def _name(value: object) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return _clean(value.get("name"))
    return _clean(value)


def _url_of(value: object) -> str | None:
    if isinstance(value, dict):
        value = value.get("@id") or value.get("url")
    value = _clean(value)
    return value if value and value.startswith(("http://", "https://")) else None


def _meta_map(tree: HtmlElement) -> dict[str, list[str]]:
    """<meta> contents keyed by lower-cased property/name/itemprop/http-equiv, in document order."""
    metas: dict[str, list[str]] = {}
    for meta in tree.iterfind(".//meta"):
        content = _clean(meta.get("content"))
        if content is None:
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                metas.setdefault(key.strip().lower(), []).append(content)
    return metas


OG_DATE_KEYS = ("article:published_time", "og:article:published_time", "og:published_time")
META_DATE_KEYS = (
    "datepublished", "date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date",
    "dc.date.created", "dcterms.created", "citation_publication_date", "citation_date",
    "publish-date", "publish_date", "publishdate", "pubdate", "sailthru.date",
    "parsely-pub-date", "article.published", "article_date_original", "originalpublicationdate",
    "publication_date", "cxenseparse:recs:publishtime", "displaydate",
)


def microdata_dates(tree: HtmlElement) -> list[str]:
    """Microdata `itemprop="datePublished"` values and `<time pubdate>`, outside related-article lists."""
    found: list[str] = []
    for el in tree.xpath('.//*[@itemprop="datePublished"][not(self::meta)] | .//time[@pubdate]'):
        if in_aside(el):
            continue
        value = _clean(el.get("datetime") or el.get("content") or el.text_content())
        if value:
            found.append(value)
    return found


_ASIDE = re.compile(r"related|recommend|more-|popular|trending|sidebar|widget|teaser|footer|comment",
                    re.I)


def in_aside(el: HtmlElement) -> bool:
    """True when `el` sits in an <aside>/<footer>/<nav> or a block named like a related-links list."""
    for anc in el.iterancestors():
        if anc.tag in ("aside", "footer", "nav"):
            return True
        label = f"{anc.get('class') or ''} {anc.get('id') or ''}"
        if label.strip() and _ASIDE.search(label):
            return True
    return False


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value)
    return match.group(1).lower() if match else None


def host_outlet(url: str | None) -> str | None:
    """The host name of `url` without "www.", the outlet of last resort."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def _squash(text: str) -> str:
    return re.sub(r"\W+", "", text.lower())


def _split_title(title: str | None, outlet: str | None) -> str | None:
    """Drop a trailing " | Outlet" / " - Outlet" from a <title> when it names the outlet."""
    if not title or not outlet:
        return title
    for sep in (" | ", " - ", " – ", " — ", " :: "):
        if sep in title:
            head, _, tail = title.rpartition(sep)
            if head and _squash(outlet.split(".")[0]) in _squash(tail):
                return head.strip()
    return title


def read_metadata(tree: HtmlElement, url: str | None = None) -> PageMeta:
    """Title, outlet, canonical URL, language, JSON-LD body and candidate dates from one parsed page."""
    meta = PageMeta()
    metas = _meta_map(tree)

    def first(*keys: str) -> str | None:
        for key in keys:
            if metas.get(key):
                return metas[key][0]
        return None

    objects = jsonld_objects(tree)
    articles = [o for o in objects if _types(o) & ARTICLE_TYPES]
    # real article types first, generic WebPage last
    articles.sort(key=lambda o: bool(_types(o) <= _PAGE_LIKE))
    publisher = None
    for obj in articles:
        meta.title = meta.title or _clean(obj.get("headline")) or (
            _clean(obj.get("name")) if not _types(obj) <= _PAGE_LIKE else None)
        publisher = publisher or _name(obj.get("publisher"))
        for key in ("datePublished", "dateCreated"):
            value = obj.get(key)
            values = value if isinstance(value, list) else [value]
            meta.jsonld_dates.extend(v.strip() for v in values if isinstance(v, str) and v.strip())
        if meta.article_body is None and isinstance(obj.get("articleBody"), str):
            body = obj["articleBody"].strip()
            meta.article_body = body or None
        meta.canonical_url = meta.canonical_url or _url_of(obj.get("mainEntityOfPage")) or _url_of(
            obj.get("url"))
        if not meta.language:
            lang = obj.get("inLanguage")
            meta.language = _lang_code(lang if isinstance(lang, str) else _name(lang))
    if publisher is None:
        for obj in objects:
            if _types(obj) & {"organization", "newsmediaorganization", "website"}:
                publisher = _name(obj)
                if publisher:
                    break

    meta.og_dates = [d for key in OG_DATE_KEYS for d in metas.get(key, [])]
    meta.meta_dates = [d for key in META_DATE_KEYS for d in metas.get(key, [])] + microdata_dates(tree)

    title_el = tree.find(".//title")
    page_title = _clean(title_el.text_content()) if title_el is not None else None
    meta.outlet = _clean(publisher) or first("og:site_name", "application-name", "publisher")
    h1 = tree.find(".//h1")
    headline = _clean(h1.text_content()) if h1 is not None else None
    if page_title and headline and _squash(page_title).startswith(_squash(headline)):
        page_title = headline  # "<h1> | Site name": the <h1> is the title without the suffix
    meta.title = meta.title or first("og:title", "twitter:title", "dc.title", "citation_title") or \
        _split_title(page_title, meta.outlet or host_outlet(url)) or headline

    canonical = None
    for link in tree.iterfind(".//link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href").strip()
            break
    canonical = canonical or first("og:url") or meta.canonical_url
    if canonical:
        canonical = urljoin(url, canonical) if url else canonical
        meta.canonical_url = canonical if canonical.startswith(("http://", "https://")) else None

    meta.language = (
        _lang_code(tree.get("lang") or tree.get("xml:lang"))
        or meta.language
        or _lang_code(first("og:locale"))
        or _lang_code((first("content-language", "language", "dc.language") or "").split(",")[0])
    )
    return meta


# --- a small stop-word language detector (en/fr/de/es/nl/pt) ---------------------------------
STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to in is that for it with was on are as be by this have from or "
                    "not but which they were has their will would been there".split()),
    "fr": frozenset("le la les des et est une un du en que qui dans pour pas sur au avec sont ce "
                    "par plus ont été mais nous vous leur cette".split()),
    "de": frozenset("der die und das ist nicht ein eine zu den mit von sich des auf für im dem "
                    "auch es sie wird werden wurde sind bei oder".split()),
    "es": frozenset("el la los las y de que en un una es por con para del se no al lo como más "
                    "pero sus le ha fue están este esta".split()),
    "nl": frozenset("de het een en van is dat op te in zijn niet met voor er maar ook als bij "
                    "door werd wordt dit deze hebben naar".split()),
    "pt": frozenset("o a os as e de que em um uma é do da dos das para com não se por mais foi "
                    "são ao na no como mas pelo pela".split()),
}
_WORD = re.compile(r"[^\W\d_]+")


def detect_language(text: str, min_hits: int = 5) -> str | None:
    """Best of en/fr/de/es/nl/pt by stop-word share, or None when the text is too short or unclear.

    >>> detect_language("the cat sat on the mat and it was happy with the sun in the window")
    'en'
    """
    counts = Counter(_WORD.findall(text[:20000].lower()))  # counted once, then scored per language
    if not counts:
        return None
    scores = {lang: sum(counts[w] for w in stop) for lang, stop in STOPWORDS.items()}
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < min_hits or top < 1.25 * second:
        return None
    return best
