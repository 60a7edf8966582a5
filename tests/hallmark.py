"""HALLMARK's dev split as a reference-checking measurement: the truth, the corpus, the score.

HALLMARK (../shared/data/corpora/hallmark, see its SOURCES.md) labels 1,119 BibTeX entries
``VALID`` or ``HALLUCINATED`` (with one of 14 hallucination types). This module turns it
into what an offline end-to-end run of ``evidence verify`` needs:

- :func:`load_dev`, :func:`load_pools`: the files as dicts (None when ../shared is absent);
- :func:`corpus_records`: the records of ``tests.fake_services.FakeServices``: the real
  works only, each placed in the services that really hold it;
- :func:`write_bib`: the dev entries as a BibTeX file, so the run goes through the real
  importer;
- :func:`score`: precision, recall, F1, false-positive rate, per-type recall and the
  fabricated-versus-miscited split, from the dev labels and the verdicts.

The corpus is the real works and nothing else: ``valid_entries.jsonl`` (950 works scraped
from DBLP, the pool the perturbed entries were made from), ``raw_crossdomain_valid.jsonl``
(500 works from other fields) and the ``VALID`` entries of ``dev_public.jsonl`` (the 59 of
them that are in neither pool: DBLP journal papers and famous papers the benchmark
relabelled as real). Works are deduplicated by DOI (an arXiv DOI without its version) and
by folded title; the first source wins and later ones only fill in what it lacks (and a
longer author list replaces one cut with "and others"). A dev
entry cut off inside TeX math in its title is left out (its real title is unknown); a name
cut off at the end of an author list is dropped. No
``HALLUCINATED`` entry is ever read into it. Five ``hybrid_fabrication`` entries keep a real
work's title and DOI with invented authors, so their title is in the corpus: with the real
authors, never with the cited ones (tests/test_hallmark.py checks both).

Placement, decided from the identifiers a work carries (a work gets the union):

- a DOI that is not arXiv's (``10.48550``): Crossref, OpenAlex, Semantic Scholar. Crossref
  registers these DOIs, and OpenAlex and S2 ingest Crossref;
- a PMID: PubMed, and OpenAlex and S2 (both index PubMed);
- a DBLP record URL (``dblp.org/rec/conf/…`` or ``…/journals/…``): DBLP (``dblp_key`` from
  the URL, ``venue`` as DBLP prints it, which is the pool's ``booktitle``), S2 and OpenAlex,
  which both index DBLP's venues; the same for the DBLP-sourced dev entries without a URL
  (their key is then made in DBLP's pattern, venue/first-author-initials-year);
- an arXiv DOI ``10.48550/arXiv.X`` or an ``arxiv.org/abs/X`` URL: arXiv (``arxiv``,
  ``arxiv_version``, and ``doi`` 10.48550/arXiv.X, unversioned as DataCite registers it,
  when the work has no other DOI), S2 and OpenAlex (both index arXiv), never Crossref
  (arXiv DOIs are DataCite's, and Crossref answers 404 for them; SERVICES.md). DBLP lists computer-science
  preprints as CoRR (``journals/corr/abs-YYMM-NNNNN``), so a cs.* or stat.ML preprint is in
  DBLP as CoRR; a preprint the benchmark cites at a conference (the relabelled famous
  papers) is in DBLP as that conference paper instead;
- a bioRxiv or medRxiv DOI (``10.1101``, and ``10.64898``, the prefix used since late 2025):
  Crossref as ``posted-content``, OpenAlex and S2, and PubMed when it has a PMID (PubMed
  indexes NIH-funded preprints).

Venue names follow what each service prints: ``venue`` is DBLP's short form ("ICML",
"J. Mach. Learn. Res."), ``journal`` is the container title Crossref/OpenAlex print
("Proceedings of the AAAI Conference on Artificial Intelligence", "2022 IEEE/CVF Conference
on Computer Vision and Pattern Recognition (CVPR)"), ``venue_alternates`` the names S2's
``publicationVenue`` gives. Names are split as the services split them: family name with
its particles ("van der Maaten", "de Vries"), a suffix ("Jr.") apart, DBLP's homonym
numbers ("Yiqing Shen 0003") dropped.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bib.formats.latex import latex_to_unicode

HALLMARK_PARTS = ("data", "corpora", "hallmark")

FABRICATED_TYPES = frozenset(
    {
        "plausible_fabrication",
        "fabricated_doi",
        "chimeric_title",
        "hybrid_fabrication",
        "nonexistent_venue",
    }
)
MISCITED_TYPES = frozenset(
    {
        "wrong_venue",
        "swapped_authors",
        "preprint_as_published",
        "merged_citation",
        "partial_author_list",
        "arxiv_version_mismatch",
        "near_miss_title",
        "placeholder_authors",
        "future_date",
    }
)
FLAGGED_VERDICTS = frozenset({"not_found", "mismatch", "retracted"})

# DBLP's short venue -> (container title Crossref/OpenAlex print, names S2's
# publicationVenue gives). Container titles of numbered proceedings (IEEE, ACM) carry the
# year or edition; "{year}" is filled in.
VENUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "NeurIPS": (
        "Advances in Neural Information Processing Systems",
        ("Neural Information Processing Systems", "NeurIPS", "NIPS"),
    ),
    "ICML": (
        "International Conference on Machine Learning",
        ("International Conference on Machine Learning", "ICML", "Int Conf Mach Learn"),
    ),
    "ICLR": (
        "International Conference on Learning Representations",
        ("International Conference on Learning Representations", "ICLR"),
    ),
    "AAAI": (
        "Proceedings of the AAAI Conference on Artificial Intelligence",
        ("AAAI Conference on Artificial Intelligence", "AAAI", "Proc AAAI Conf Artif Intell"),
    ),
    "CVPR": (
        "{year} IEEE/CVF Conference on Computer Vision and Pattern Recognition (CVPR)",
        ("Computer Vision and Pattern Recognition", "CVPR"),
    ),
    "ICCV": (
        "{year} IEEE/CVF International Conference on Computer Vision (ICCV)",
        ("IEEE International Conference on Computer Vision", "ICCV"),
    ),
    # Springer's chapters: the proceedings volume's title (the series, LNCS, is the other
    # container title Crossref lists).
    "ECCV": (
        "Computer Vision – ECCV {year}",
        ("European Conference on Computer Vision", "ECCV"),
    ),
    "ACL": (
        "Proceedings of the Annual Meeting of the Association for Computational Linguistics",
        ("Annual Meeting of the Association for Computational Linguistics", "ACL"),
    ),
    "NAACL": (
        "Proceedings of the Conference of the North American Chapter of the Association "
        "for Computational Linguistics",
        ("North American Chapter of the Association for Computational Linguistics", "NAACL"),
    ),
    "Mach. Learn.": ("Machine Learning", ("Machine-mediated learning", "Mach Learn")),
    "J. Mach. Learn. Res.": (
        "Journal of Machine Learning Research",
        ("Journal of machine learning research", "J Mach Learn Res", "JMLR"),
    ),
    "Trans. Mach. Learn. Res.": (
        "Transactions on Machine Learning Research",
        ("Trans. Mach. Learn. Res.", "TMLR"),
    ),
    "SIGIR": (
        "Proceedings of the International ACM SIGIR Conference on Research and Development "
        "in Information Retrieval",
        (
            "Annual International ACM SIGIR Conference on Research and Development in "
            "Information Retrieval",
            "SIGIR",
        ),
    ),
    "KDD": (
        "Proceedings of the ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
        ("Knowledge Discovery and Data Mining", "KDD"),
    ),
    "CCS": (
        "Proceedings of the ACM SIGSAC Conference on Computer and Communications Security",
        ("Conference on Computer and Communications Security", "CCS"),
    ),
    "SOSP": (
        "Proceedings of the ACM Symposium on Operating Systems Principles",
        ("Symposium on Operating Systems Principles", "SOSP"),
    ),
    "OSDI": (
        "USENIX Symposium on Operating Systems Design and Implementation",
        ("USENIX Symposium on Operating Systems Design and Implementation", "OSDI"),
    ),
    "WWW": ("Proceedings of the ACM Web Conference", ("The Web Conference", "WWW")),
    "ICDM": (
        "IEEE International Conference on Data Mining (ICDM)",
        (
            "Industrial Conference on Data Mining",
            "IEEE International Conference on Data Mining",
            "ICDM",
        ),
    ),
    "CHI": (
        "Proceedings of the CHI Conference on Human Factors in Computing Systems",
        ("International Conference on Human Factors in Computing Systems", "CHI"),
    ),
    "SOUPS": (
        "Symposium On Usable Privacy and Security",
        ("Symposium On Usable Privacy and Security", "SOUPS"),
    ),
    "Proc. ACM Manag. Data": (
        "Proceedings of the ACM on Management of Data",
        ("Proc. ACM Manag. Data", "PACMMOD"),
    ),
    "ACM Trans. Graph.": ("ACM Transactions on Graphics", ("ACM Trans. Graph.", "TOG")),
    "Proc. VLDB Endow.": ("Proceedings of the VLDB Endowment", ("Proc. VLDB Endow.", "PVLDB")),
}

# Lower-case name particles that belong to the family name ("van der Maaten").
PARTICLES = frozenset(
    "van von der den de del della di da dos das du le la ter ten bin ibn al el y".split()
)
SUFFIXES = frozenset({"Jr.", "Jr", "Sr.", "Sr", "II", "III", "IV"})
ARXIV_CS = re.compile(r"^(cs\.[A-Z]{2}|stat\.ML)$")


# ----------------------------------------------------------------------------- loading


def hallmark_dir(shared: Path) -> Path | None:
    """The hallmark folder inside ``shared`` (tests: conftest's SHARED), None when absent."""
    path = shared.joinpath(*HALLMARK_PARTS)
    return path if path.is_dir() else None


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def load_dev(shared: Path) -> list[dict[str, Any]] | None:
    """The dev split's entries (``dev_public.jsonl``), or None without the data."""
    root = hallmark_dir(shared)
    return None if root is None else _read_jsonl(root / "dev_public.jsonl")


def load_pools(shared: Path) -> dict[str, list[dict[str, Any]]] | None:
    """The pools of real works: ``valid`` (valid_entries) and ``crossdomain``; None
    without the data."""
    root = hallmark_dir(shared)
    if root is None:
        return None
    return {
        "valid": _read_jsonl(root / "valid_entries.jsonl"),
        "crossdomain": _read_jsonl(root / "raw_crossdomain_valid.jsonl"),
    }


# ----------------------------------------------------------------------------- text


def fold_title(title: str) -> str:
    """Letters and digits of a title, accents dropped, lower case: the dedup key."""
    text = unicodedata.normalize("NFKD", html.unescape(latex_to_unicode(title or "")))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _clean(value: str) -> str:
    """LaTeX and HTML entities decoded, braces dropped, spaces collapsed."""
    text = html.unescape(latex_to_unicode(value))
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def split_name(name: str) -> tuple[str, str] | None:
    """One BibTeX/DBLP name as (family, given); None for ``others``.

    "Last, First" and "First von Last" forms; lower-case particles go with the family
    name, a suffix is dropped from both parts (the fake has no suffix field), DBLP's
    homonym number ("0003") is not part of the name.
    """
    name = _clean(name)
    if not name or name.lower() in {"others", "et al.", "et al"}:
        return None
    if "," in name:
        # "Last, First", "Last, Jr., First" or "Last, Jr."
        parts = [p.strip() for p in name.split(",")]
        given = parts[-1] if len(parts) > 1 and parts[-1] not in SUFFIXES else ""
        return parts[0], given
    words = [w for w in name.split() if not re.fullmatch(r"\d{4}", w)]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    if len(words) == 1:
        return words[0], ""
    last = [words.pop()]
    while len(words) > 1 and words[-1] in PARTICLES:
        last.insert(0, words.pop())
    return " ".join(last), " ".join(words)


def split_authors(value: str) -> list[tuple[str, str]]:
    """A BibTeX ``author`` field as (family, given) pairs (``and others`` dropped)."""
    names = re.split(r"\s+and\s+", value.strip()) if value.strip() else []
    return [pair for pair in (split_name(n) for n in names) if pair is not None]


# ----------------------------------------------------------------------------- corpus

_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(\d{4}\.\d{4,5})(?:v(\d+))?$", re.IGNORECASE)
_ARXIV_URL = re.compile(r"arxiv\.org/abs/(\d{4}\.\d{4,5})(?:v(\d+))?", re.IGNORECASE)
_DBLP_URL = re.compile(r"dblp\.org/rec/((?:conf|journals)/[^?#\s]+)")
_PREPRINT_PREFIXES = ("10.1101/", "10.64898/")
_CUT_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z])(?:\{[^}]*)?$")


def _doi_key(doi: str) -> str:
    doi = doi.strip().lower()
    match = _ARXIV_DOI.match(doi)
    return f"arxiv:{match.group(1)}" if match else doi


def _dblp_key(stream: str, authors: list[tuple[str, str]], year: str) -> str:
    """A key in DBLP's pattern (first author's family name, co-authors' initials, year)."""
    kind = "journals" if stream in _DBLP_JOURNALS else "conf"
    first = re.sub(r"[^A-Za-z]", "", authors[0][0]) if authors else "Anon"
    initials = "".join(re.sub(r"[^A-Za-z]", "", f)[:1].upper() for f, _ in authors[1:4])
    return f"{kind}/{stream}/{first}{initials}{str(year)[-2:]}"


_DBLP_STREAM = {
    "NeurIPS": "nips",
    "ICML": "icml",
    "ICLR": "iclr",
    "AAAI": "aaai",
    "CVPR": "cvpr",
    "ICCV": "iccv",
    "ECCV": "eccv",
    "ACL": "acl",
    "NAACL": "naacl",
    "Mach. Learn.": "ml",
    "J. Mach. Learn. Res.": "jmlr",
    "Trans. Mach. Learn. Res.": "tmlr",
}
_DBLP_JOURNALS = frozenset({"ml", "jmlr", "tmlr"})
# DBLP's short names of journals (the pools cite some of them as ``booktitle``).
JOURNAL_VENUES = frozenset(
    {
        "Mach. Learn.",
        "J. Mach. Learn. Res.",
        "Trans. Mach. Learn. Res.",
        "Proc. ACM Manag. Data",
        "ACM Trans. Graph.",
        "Proc. VLDB Endow.",
    }
)


def _venue_fields(short: str | None, year: str) -> dict[str, Any]:
    if not short:
        return {}
    container, alternates = VENUES.get(short.split(" @ ")[0], (short, ()))
    return {
        "venue": short,
        "journal": container.replace("{year}", str(year)),
        "venue_alternates": [a for a in alternates if a != short] + [short],
    }


def work_record(entry: dict[str, Any], origin: str) -> dict[str, Any]:
    """One real work (a pool entry or a VALID dev entry) as a fake-service record, placed.

    Placement and naming rules: see the module docstring.
    """
    f = entry["fields"]
    year = str(f.get("year") or "").strip()
    raw_authors = f.get("author", "")
    authors = split_authors(raw_authors)
    if raw_authors.count("{") != raw_authors.count("}") and _CUT_COMMAND.search(raw_authors):
        # The list was cut off inside an accent ("{\\v{Z" of Žídek): the last name is a
        # fragment. "R{\\'e" lost only its closing brace: Ré is the whole family name.
        authors = authors[:-1]
    title = _clean(f.get("title", "")).rstrip(".") if f.get("title") else ""
    rec: dict[str, Any] = {
        "title": title,
        "authors": authors,
        "year": int(year) if year.isdigit() else None,
        "origin": origin,
        "origin_key": entry.get("bibtex_key"),
    }
    services: set[str] = set()
    doi = (f.get("doi") or "").strip()
    url = (f.get("url") or "").strip()
    note = f.get("note") or ""
    short = (f.get("booktitle") or "").strip() or None
    journal = (f.get("journal") or "").strip() or None

    arxiv = _ARXIV_DOI.match(doi) or _ARXIV_URL.search(url)
    if doi and not _ARXIV_DOI.match(doi):
        rec["doi"] = doi
        services |= {"crossref", "openalex", "s2"}
        if doi.lower().startswith(_PREPRINT_PREFIXES):
            server = "medRxiv" if journal and "medrxiv" in journal.lower() else "bioRxiv"
            rec.update(
                type="posted-content",
                journal=server,
                venue=server,
                publisher="Cold Spring Harbor Laboratory",
            )
        elif doi.lower().startswith("10.1007/978-"):
            rec["type"] = "book-chapter"
        elif short and short not in JOURNAL_VENUES:
            # AAAI registers its proceedings as a journal; IEEE and ACM as proceedings.
            rec["type"] = "journal-article" if doi.startswith("10.1609/") else "proceedings-article"
        else:
            rec["type"] = "journal-article"
    if f.get("pmid"):
        rec["pmid"] = str(f["pmid"]).strip()
        services |= {"pubmed", "openalex", "s2"}
    if arxiv:
        rec["arxiv"] = arxiv.group(1)
        rec["arxiv_version"] = int(arxiv.group(2) or 1)
        # DataCite registers arXiv's DOI without the version; OpenAlex and S2 carry it.
        rec.setdefault("doi", f"10.48550/arXiv.{arxiv.group(1)}")
        services |= {"arxiv", "s2", "openalex"}
    dblp = _DBLP_URL.search(url)
    from_dblp = entry.get("source") == "dblp" or (entry.get("source_conference") or "").startswith(
        "DBLP:"
    )
    if dblp:
        rec["dblp_key"] = dblp.group(1)
    elif short and (from_dblp or arxiv) and short in _DBLP_STREAM:
        # A DBLP-sourced dev entry without its URL, or a preprint cited at the conference
        # that published it: DBLP holds the conference/journal paper.
        rec["dblp_key"] = _dblp_key(_DBLP_STREAM[short], authors, year)
    elif arxiv and ARXIV_CS.match(note.rsplit(",", 1)[-1].strip()):
        yymm, number = arxiv.group(1).split(".")
        rec["dblp_key"] = f"journals/corr/abs-{yymm}-{number}"
        rec["venue"] = "CoRR"
    if rec.get("dblp_key"):
        services |= {"dblp", "s2", "openalex"}
    if rec.get("type") != "posted-content":
        rec.update(_venue_fields(short or journal, year))
        if journal and not short:
            rec["journal"] = VENUES.get(journal, (journal, ()))[0]
    if arxiv and not (short or journal) and "venue" not in rec:
        rec["venue"] = "arXiv"
    if arxiv and "journal" not in rec:
        rec["journal"] = "arXiv" if not short else rec.get("journal", "arXiv")
    rec["services"] = sorted(services)
    return rec


def _title_lost(title: str) -> bool:
    """Whether a title was cut off inside TeX math or a command (one dev entry's title is
    "${{\\mathrm {Latent"): the work's real title is then unknown, so it stays out."""
    return title.count("{") != title.count("}") and bool(re.search(r"[$\\]", title))


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if (
            key == "authors"
            and len(value) > len(into["authors"])
            and value[:1] == into["authors"][:1]
        ):
            # One copy cut the list ("and others"): the longer one is the work's.
            into["authors"] = value
        elif key == "services":
            into["services"] = sorted(set(into["services"]) | set(value))
        elif into.get(key) in (None, "", []) and value not in (None, "", []):
            into[key] = value


def corpus_records(
    dev: list[dict[str, Any]], pools: dict[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The fake's records: every real work once, placed (see the module docstring)."""
    sources: list[tuple[str, dict[str, Any]]] = [("valid_entries", e) for e in pools["valid"]]
    sources += [("crossdomain", e) for e in pools["crossdomain"]]
    sources += [("dev", e) for e in dev if e.get("label") == "VALID"]
    records: list[dict[str, Any]] = []
    by_key: dict[str, dict[str, Any]] = {}
    for origin, entry in sources:
        assert entry.get("label", "VALID") == "VALID", entry.get("bibtex_key")
        if _title_lost(entry["fields"].get("title", "")):
            continue
        rec = work_record(entry, origin)
        keys = [f"title:{fold_title(rec['title'])}"]
        if rec.get("doi"):
            keys.append(_doi_key(rec["doi"]))
        if rec.get("arxiv"):
            keys.append(f"arxiv:{rec['arxiv']}")
        found = next((by_key[k] for k in keys if k in by_key), None)
        if found is None:
            records.append(rec)
            found = rec
        else:
            _merge(found, rec)
        for k in keys:
            by_key.setdefault(k, found)
    return records


# ----------------------------------------------------------------------------- BibTeX


def _balanced(value: str) -> str:
    """The value with unmatched braces dropped: a handful of dev entries were cut off
    inside a group ("{AlphaFold"), which would swallow the rest of the file."""
    out: list[str] = []
    depth = 0
    opened: list[int] = []
    for ch in value:
        if ch == "{":
            depth += 1
            opened.append(len(out))
        elif ch == "}":
            if depth == 0:
                continue
            depth -= 1
            opened.pop()
        out.append(ch)
    for index in reversed(opened):
        del out[index]
    text = "".join(out)
    return text[:-1] if text.endswith("\\") else text


def write_bib(entries: Iterable[dict[str, Any]], path: Path) -> Path:
    """The entries as BibTeX: their own keys, types and fields, values braced."""
    chunks = []
    for entry in entries:
        lines = [f"@{entry.get('bibtex_type') or 'misc'}{{{entry['bibtex_key']},"]
        for name, value in entry["fields"].items():
            lines.append(f"  {name} = {{{_balanced(str(value))}}},")
        lines.append("}")
        chunks.append("\n".join(lines))
    path.write_text("\n\n".join(chunks) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- score


def truth_of(entries: Iterable[dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    """citekey -> (label, hallucination type) from the dev entries."""
    return {e["bibtex_key"]: (e["label"], e.get("hallucination_type")) for e in entries}


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


def _verdict(value: Any) -> tuple[str, str | None]:
    if isinstance(value, Mapping):
        return str(value.get("verdict") or "missing"), value.get("likely")
    return (str(value) if value else "missing"), None


def score(
    truth: Mapping[str, tuple[str, str | None]], verdicts: Mapping[str, Any]
) -> dict[str, Any]:
    """Detection measures of ``verdicts`` (citekey -> verdict, or {verdict, likely}).

    A reference is flagged when its verdict is not_found, mismatch or retracted
    (unverified is not); a citekey without a verdict counts as ``missing`` (not flagged).
    """
    tp = fp = fn = tn = 0
    unverified: Counter[str] = Counter()
    per_type: dict[str, Counter[str]] = {}
    split = Counter[str]()
    for key, (label, kind) in truth.items():
        verdict, likely = _verdict(verdicts.get(key))
        flagged = verdict in FLAGGED_VERDICTS
        if verdict == "unverified":
            unverified[label] += 1
        if label == "HALLUCINATED":
            tp += flagged
            fn += not flagged
            counts = per_type.setdefault(kind or "?", Counter())
            counts["n"] += 1
            counts["flagged"] += flagged
            counts[f"verdict:{verdict}"] += 1
            if flagged:
                group = "fabricated" if kind in FABRICATED_TYPES else "miscited"
                split[f"{group}_detected"] += 1
                split[f"{group}_right"] += verdict == (
                    "not_found" if group == "fabricated" else "mismatch"
                )
                if likely is not None:
                    split[f"{group}_likely_given"] += 1
                split[f"{group}_likely_right"] += likely == group
        else:
            fp += flagged
            tn += not flagged
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall
        else None
    )
    detected = split["fabricated_detected"] + split["miscited_detected"]
    likely_given = split["fabricated_likely_given"] + split["miscited_likely_given"]
    return {
        "n": len(truth),
        "hallucinated": tp + fn,
        "valid": fp + tn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "fpr": _ratio(fp, fp + tn),
        "unverified": sum(unverified.values()),
        "unverified_by_label": dict(unverified),
        "fabricated_as_not_found": _ratio(split["fabricated_right"], split["fabricated_detected"]),
        "miscited_as_mismatch": _ratio(split["miscited_right"], split["miscited_detected"]),
        "split_right": _ratio(split["fabricated_right"] + split["miscited_right"], detected),
        "fabricated_likely": _ratio(split["fabricated_likely_right"], split["fabricated_detected"])
        if likely_given
        else None,
        "miscited_likely": _ratio(split["miscited_likely_right"], split["miscited_detected"])
        if likely_given
        else None,
        "split_likely_right": _ratio(
            split["fabricated_likely_right"] + split["miscited_likely_right"], detected
        )
        if likely_given
        else None,
        "per_type": {
            kind: {
                "group": "fabricated" if kind in FABRICATED_TYPES else "miscited",
                "n": c["n"],
                "flagged": c["flagged"],
                "recall": _ratio(c["flagged"], c["n"]),
                "verdicts": {k.split(":", 1)[1]: v for k, v in sorted(c.items()) if ":" in k},
            }
            for kind, c in sorted(per_type.items())
        },
    }
