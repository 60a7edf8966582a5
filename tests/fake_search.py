"""Title search and the DBLP and arXiv answers of the fake services (tests/fake_services.py).

Pure functions of the fake's records (plain dicts, see ``FakeServices.add``); the routes
that call them are in fake_services.py. Where each shape comes from:

- DBLP ``GET /search/publ/api?q=…&format=json&h=N``: the envelope ``result`` with
  ``query``, ``status``, ``time``, ``completions`` and ``hits`` (``@total``,
  ``@computed``, ``@sent``, ``@first``, ``hit`` absent when there is none), each hit
  ``{"@score", "@id", "info", "url"}`` and ``info`` with ``authors.author`` (one object
  for a single author, a list otherwise; ``{"@pid", "text"}``), ``title`` ending with
  ".", ``venue``, ``pages``, ``year``, ``type``, ``access``, ``key``, ``doi``, ``ee``,
  ``url``: after DBLP's FAQ "How to use the dblp search API?"
  (https://dblp.org/faq/How+to+use+the+dblp+search+API.html) and the JSON it serves
  (field names as the dblp-api clients read them; no recording in ../shared).
  DBLP finds the records holding every query word, each word as a prefix, in the
  title, the author names, the venue and the year.
- arXiv ``GET /query`` (``id_list``, ``search_query=ti:"…"``, ``max_results``): an Atom
  feed with ``opensearch:totalResults``/``startIndex``/``itemsPerPage`` and entries with
  ``id`` (``http://arxiv.org/abs/<id>v<version>``), ``updated``, ``published``,
  ``title``, ``summary``, ``author/name``, ``arxiv:doi``, ``arxiv:journal_ref``,
  ``link`` (alternate, pdf), ``arxiv:primary_category`` and ``category``; a malformed id
  gives the one entry whose id is ``http://arxiv.org/api/errors#…``: after the arXiv API
  User's Manual (https://info.arxiv.org/help/api/user-manual.html). An id arXiv does not
  have gives an empty feed.
- Semantic Scholar ``GET /paper/search/match``: ``{"data": [{…paper…, "matchScore"}]}``
  or 404 ``{"error": "Title match not found"}`` (semanticscholar/
  test_search_paper_match_title.yaml, multi-api/test_bad_dois.yaml). The fake answers
  the best title when its words and the query's overlap by at least
  :data:`S2_MATCH_DICE` (Dice coefficient of the word sets), the 404 otherwise.
- OpenAlex ``filter=title.search:<words>``: the list envelope with ``relevance_score``
  per result (multi-api/test_title_search[*].yaml); the fake ranks titles by BM25 and
  keeps those sharing at least half of the query's words.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape, quoteattr

# S2 /paper/search/match answers only a title this close to the query (see above).
S2_MATCH_DICE = 0.6
# OpenAlex title.search keeps titles holding at least this share of the query's words.
OPENALEX_MIN_SHARE = 0.5

_ARXIV_ID = re.compile(
    r"^(?:\d{2}(?:0[1-9]|1[0-2])\.\d{4,5}|[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$",
    re.IGNORECASE,
)

Knows = Callable[[dict[str, Any], str], bool]


def fold_tokens(text: str) -> list[str]:
    """Lower-case words without accents ("Lála" -> "lala"), as search engines index them."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9]+", plain.lower())


def record_authors(record: dict[str, Any]) -> list[tuple[str, str]]:
    """(family, given) pairs of a record (tuples or {family, given} dicts)."""
    out = []
    for a in record.get("authors") or []:
        if isinstance(a, dict):
            out.append((a.get("family", ""), a.get("given", "")))
        else:
            family, given = (list(a) + [""])[:2]
            out.append((family, given))
    return out


def display_name(family: str, given: str) -> str:
    """ "Given Family", with a suffix kept in ``given`` after a comma moved to the end."""
    given, _, suffix = given.partition(", ")
    return " ".join(p for p in (given, family, suffix) if p)


# ----------------------------------------------------------------------------- the index


class TitleIndex:
    """Every record's title words, indexed once (the fake rebuilds it after an add)."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records
        self.titles: list[list[str]] = [fold_tokens(r.get("title") or "") for r in records]
        # Everything DBLP searches: title, author names, venue, year.
        self.dblp_words: list[set[str]] = []
        postings: dict[str, set[int]] = defaultdict(set)
        df: Counter[str] = Counter()
        for i, (r, title) in enumerate(zip(records, self.titles, strict=True)):
            df.update(set(title))
            words = set(title)
            for family, given in record_authors(r):
                words.update(fold_tokens(f"{given} {family}"))
            words.update(fold_tokens(str(dblp_venue(r) or "")))
            words.update(fold_tokens(str(r.get("year") or "")))
            self.dblp_words.append(words)
            for w in words | set(title):
                postings[w].add(i)
        self.postings = dict(postings)
        self.counts = [Counter(t) for t in self.titles]
        self.vocabulary = sorted(self.postings)
        n = max(1, len(records))
        self.idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self.avg = sum(len(t) for t in self.titles) / n

    def _candidates(self, words: list[str]) -> set[int]:
        out: set[int] = set()
        for w in set(words):
            out |= self.postings.get(w, set())
        return out

    def bm25(self, i: int, words: list[str], k1: float = 1.2, b: float = 0.75) -> float:
        counts = self.counts[i]
        length = len(self.titles[i])
        score = 0.0
        for w in words:
            tf = counts.get(w, 0)
            if tf:
                norm = tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / max(self.avg, 1.0)))
                score += self.idf.get(w, 0.0) * norm
        return score

    def best_title(
        self, query: str, service: str, knows: Knows
    ) -> tuple[float, dict[str, Any]] | None:
        """S2's title match: the record whose title is closest to ``query`` (Dice of the
        word sets, ties by BM25), when close enough; (matchScore, record) or None."""
        words = fold_tokens(query)
        wanted = set(words)
        best: tuple[float, float] | None = None
        chosen = -1
        for i in sorted(self._candidates(words)):
            if not knows(self.records[i], service):
                continue
            title = set(self.titles[i])
            dice = 2 * len(wanted & title) / max(1, len(wanted) + len(title))
            key = (dice, self.bm25(i, words))
            if best is None or key > best:
                best, chosen = key, i
        if best is None or best[0] < S2_MATCH_DICE:
            return None
        return round(best[1] * 10, 4), self.records[chosen]

    def ranked_titles(
        self, query: str, service: str, knows: Knows, min_share: float = OPENALEX_MIN_SHARE
    ) -> list[tuple[float, dict[str, Any]]]:
        """Records whose titles hold at least ``min_share`` of the query's words, by BM25."""
        words = fold_tokens(query)
        wanted = set(words)
        scored = []
        for i in self._candidates(words):
            if not knows(self.records[i], service):
                continue
            shared = len(wanted & set(self.titles[i]))
            if wanted and shared / len(wanted) >= min_share:
                scored.append((round(self.bm25(i, words) * 10, 4), i))
        scored.sort(key=lambda pair: (-pair[0], pair[1]))
        return [(score, self.records[i]) for score, i in scored]

    def dblp_search(self, query: str, knows: Knows) -> list[dict[str, Any]]:
        """DBLP's rule: every query word is a prefix of some word of the record."""
        words = fold_tokens(query)
        if not words:
            return []
        found: set[int] | None = None
        for w in set(words):
            lo = bisect.bisect_left(self.vocabulary, w)
            hits: set[int] = set()
            for term in self.vocabulary[lo:]:
                if not term.startswith(w):
                    break
                hits |= self.postings[term]
            found = hits if found is None else found & hits
            if not found:
                return []
        ranked = sorted(found or (), key=lambda i: (-self.bm25(i, words), i))
        return [self.records[i] for i in ranked if knows(self.records[i], "dblp")]

    def arxiv_phrases(self, phrases: list[list[str]], knows: Knows) -> list[dict[str, Any]]:
        """Records with an arXiv id whose title holds every phrase, word for word."""
        out = []
        for i in self._candidates([w for p in phrases for w in p]):
            r = self.records[i]
            if not r.get("arxiv") or not knows(r, "arxiv"):
                continue
            title = self.titles[i]
            if all(_holds(title, p) for p in phrases):
                out.append((len(title), i))
        return [self.records[i] for _, i in sorted(out)]


def _holds(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(words[j : j + n] == phrase for j in range(len(words) - n + 1))


# ----------------------------------------------------------------------------- DBLP

DBLP_TYPES = {
    "journal-article": "Journal Articles",
    "proceedings-article": "Conference and Workshop Papers",
    "paper-conference": "Conference and Workshop Papers",
    "posted-content": "Informal and Other Publications",
    "book": "Books and Theses",
    "book-chapter": "Parts in Books or Collections",
}


def dblp_key(record: dict[str, Any]) -> str:
    """The record's ``dblp_key``, else one in DBLP's style (conf/venue/NamesYY)."""
    if record.get("dblp_key"):
        return str(record["dblp_key"])
    if record.get("arxiv") and not record.get("venue") and not record.get("journal"):
        return "journals/corr/abs-" + str(record["arxiv"]).replace(".", "-")
    venue = re.sub(r"[^a-z0-9]", "", str(dblp_venue(record) or "misc").lower()) or "misc"
    kind = "journals" if (record.get("type") or "") == "journal-article" else "conf"
    initials = "".join(f[:1].upper() for f, _ in record_authors(record)[1:4])
    first = re.sub(r"\W", "", record_authors(record)[0][0]) if record_authors(record) else "X"
    return f"{kind}/{venue}/{first}{initials}{str(record.get('year') or '')[-2:]}"


def dblp_venue(record: dict[str, Any]) -> str | None:
    """The venue as DBLP prints it: ``venue``, CoRR for a preprint, else the journal."""
    if record.get("venue"):
        return str(record["venue"])
    key = str(record.get("dblp_key") or "")
    if key.startswith("journals/corr/") or (
        record.get("arxiv") and not record.get("journal") and not record.get("dblp_key")
    ):
        return "CoRR"
    return record.get("journal_abbrev") or record.get("journal")


def dblp_hit(record: dict[str, Any], score: int) -> dict[str, Any]:
    """One ``hit`` of a DBLP search answer."""
    key = dblp_key(record)
    venue = dblp_venue(record)
    title = str(record.get("title") or "")
    if title and title[-1] not in ".?!":
        title += "."
    people = [
        {"@pid": f"{(i * 37) % 100:02d}/{1000 + i}", "text": display_name(f, g)}
        for i, (f, g) in enumerate(record_authors(record))
    ]
    info: dict[str, Any] = {}
    if people:
        info["authors"] = {"author": people[0] if len(people) == 1 else people}
    info["title"] = title
    if venue:
        info["venue"] = venue
    if record.get("volume"):
        info["volume"] = str(record["volume"])
    if record.get("issue"):
        info["number"] = str(record["issue"])
    if record.get("pages"):
        info["pages"] = str(record["pages"])
    if record.get("year"):
        info["year"] = str(record["year"])
    preprint = venue == "CoRR"
    info["type"] = (
        "Informal and Other Publications"
        if preprint
        else DBLP_TYPES.get(record.get("type") or "", "Conference and Workshop Papers")
    )
    info["access"] = "open" if preprint else "closed"
    info["key"] = key
    if preprint and record.get("arxiv"):
        info["volume"] = f"abs/{record['arxiv']}"
        info["doi"] = f"10.48550/ARXIV.{record['arxiv']}"
        info["ee"] = f"https://arxiv.org/abs/{record['arxiv']}"
    elif record.get("doi"):
        info["doi"] = record["doi"]
        info["ee"] = f"https://doi.org/{record['doi']}"
    elif record.get("url"):
        info["ee"] = record["url"]
    info["url"] = f"https://dblp.org/rec/{key}"
    hit_id = str(int(hashlib.sha1(key.encode()).hexdigest()[:7], 16))
    return {"@score": str(score), "@id": hit_id, "info": info, "url": f"URL#{hit_id}"}


def dblp_result(query: str, records: list[dict[str, Any]], hits: int, first: int = 0) -> Any:
    """The whole answer of ``/search/publ/api`` for the ranked ``records``."""
    page = records[first : first + hits]
    found: dict[str, Any] = {
        "@total": str(len(records)),
        "@computed": str(len(records)),
        "@sent": str(len(page)),
        "@first": str(first),
    }
    if page:
        found["hit"] = [dblp_hit(r, max(1, 10 - i)) for i, r in enumerate(page)]
    return {
        "result": {
            "query": query,
            "status": {"@code": "200", "text": "OK"},
            "time": {"@unit": "msecs", "text": "1.00"},
            "completions": {"@total": "0", "@computed": "0", "@sent": "0"},
            "hits": found,
        }
    }


# ----------------------------------------------------------------------------- arXiv

ATOM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
OPENSEARCH = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
ARXIV_NS = 'xmlns:arxiv="http://arxiv.org/schemas/atom"'


def arxiv_id_ok(value: str) -> bool:
    return bool(_ARXIV_ID.match(value))


def arxiv_entry(record: dict[str, Any], version: int | None = None) -> str:
    """One ``<entry>`` for a record with an ``arxiv`` id (``version``: the one asked for)."""
    arxiv_id = str(record["arxiv"])
    v = version or int(record.get("arxiv_version") or 1)
    year = record.get("year")
    published = record.get("date") or (f"{year}-01-01" if year else "2020-01-01")
    stamp = f"{published}T00:00:00Z"
    e = escape
    parts = [
        "  <entry>",
        f"    <id>http://arxiv.org/abs/{arxiv_id}v{v}</id>",
        f"    <updated>{stamp}</updated>",
        f"    <published>{stamp}</published>",
        f"    <title>{e(str(record.get('title') or ''))}</title>",
        f"    <summary>{e(str(record.get('abstract') or ''))}</summary>",
    ]
    for family, given in record_authors(record):
        parts.append(
            f"    <author>\n      <name>{e(display_name(family, given))}</name>\n    </author>"
        )
    doi = str(record.get("doi") or "")
    if doi and not doi.lower().startswith("10.48550/"):
        # arxiv:doi is the published version's DOI; arXiv's own DataCite DOI is not listed.
        parts.append(f"    <arxiv:doi {ARXIV_NS}>{e(doi)}</arxiv:doi>")
        parts.append(
            f'    <link title="doi" href={quoteattr("http://dx.doi.org/" + doi)} rel="related"/>'
        )
    if record.get("journal_ref"):
        parts.append(
            f"    <arxiv:journal_ref {ARXIV_NS}>{e(str(record['journal_ref']))}</arxiv:journal_ref>"
        )
    category = str(record.get("arxiv_category") or "cs.LG")
    parts += [
        f'    <link href="http://arxiv.org/abs/{arxiv_id}v{v}" rel="alternate" type="text/html"/>',
        f'    <link title="pdf" href="http://arxiv.org/pdf/{arxiv_id}v{v}" rel="related" '
        'type="application/pdf"/>',
        f'    <arxiv:primary_category {ARXIV_NS} term="{category}" '
        'scheme="http://arxiv.org/schemas/atom"/>',
        f'    <category term="{category}" scheme="http://arxiv.org/schemas/atom"/>',
        "  </entry>",
    ]
    return "\n".join(parts)


def arxiv_error_entry(message: str) -> str:
    """The entry the API answers a malformed request with."""
    anchor = re.sub(r"\W+", "_", message)
    url = f"http://arxiv.org/api/errors#{anchor}"
    return (
        f"  <entry>\n    <id>{escape(url)}</id>\n    <title>Error</title>\n"
        f"    <summary>{escape(message)}</summary>\n"
        "    <updated>2026-01-01T00:00:00-05:00</updated>\n"
        f'    <link href={quoteattr(url)} rel="alternate" type="text/html"/>\n'
        "    <author>\n      <name>arXiv api core</name>\n    </author>\n  </entry>"
    )


def arxiv_feed(query: str, entries: list[str], total: int, start: int, per_page: int) -> str:
    """The Atom feed around ``entries``."""
    head = [
        ATOM_HEAD,
        f'  <link href={quoteattr("http://arxiv.org/api/query?" + query)} rel="self" '
        'type="application/atom+xml"/>',
        f'  <title type="html">ArXiv Query: {escape(query)}</title>',
        f"  <id>http://arxiv.org/api/{hashlib.sha1(query.encode()).hexdigest()[:27]}</id>",
        "  <updated>2026-01-01T00:00:00-05:00</updated>",
        f"  <opensearch:totalResults {OPENSEARCH}>{total}</opensearch:totalResults>",
        f"  <opensearch:startIndex {OPENSEARCH}>{start}</opensearch:startIndex>",
        f"  <opensearch:itemsPerPage {OPENSEARCH}>{per_page}</opensearch:itemsPerPage>",
    ]
    return "\n".join([*head, *entries, "</feed>\n"])


def arxiv_title_phrases(search_query: str) -> list[list[str]] | None:
    """The ``ti:`` terms of a search query (``ti:"a b" AND ti:c``) as word lists; None
    when it asks for anything else (the fake knows titles only)."""
    parts = re.split(r"\s+AND\s+", search_query.strip())
    phrases = []
    for part in parts:
        m = re.fullmatch(r'ti:(?:"([^"]*)"|(\S+))', part.strip())
        if m is None:
            return None
        words = fold_tokens(m.group(1) if m.group(1) is not None else m.group(2))
        if words:
            phrases.append(words)
    return phrases
