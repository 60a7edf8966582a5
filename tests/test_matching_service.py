"""Reference-string matching end to end: real references, a search service that ranks by
text relevance, and the validation step of bib.matching.references.

The records are the resolved items of the deep-review manuscript (CSL-JSON, read from
../shared, never copied). Each record is served by the local fake Crossref together with
a decoy (same title and authors, another year, volume and pages); the fake ranks
``query.bibliographic`` by BM25 over title, authors, journal and year and does not know
which record a reference means. A fifth of the records is held out of the fake: their
references have no right answer, so any match for them is a false match.

    .venv/bin/python tests/test_matching_service.py     # the whole corpus, all styles
"""

from __future__ import annotations

import json
import os
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fake_services import FakeServices, Limit  # noqa: E402
from test_matching import STYLES, decoy_of, load_corpus  # noqa: E402

from bib.http import HttpClient, HttpConfig  # noqa: E402
from bib.lookup import search_crossref_bibliographic  # noqa: E402
from bib.matching.references import choose  # noqa: E402
from bib.work import Work  # noqa: E402

DEEP_REVIEW = ("data", "corpora", "manuscripts", "deep-review", "output", "references.json")
STYLES_USED = ("vancouver", "apa", "nature")


def to_record(w: Work) -> dict[str, Any]:
    return {
        "doi": w.doi,
        "title": w.title,
        "authors": [(a.family, a.given) for a in w.authors],
        "journal": w.journal,
        "journal_abbrev": w.journal_abbrev,
        "year": w.year,
        "volume": w.volume,
        "issue": w.issue,
        "pages": w.pages,
        "type": "journal-article",
        "services": ["crossref"],
    }


@contextmanager
def served(works: list[Work]) -> Iterator[HttpClient]:
    # Rate limits are not what is measured here: lift them on both sides.
    unlimited = {
        k: Limit(None, None)
        for k in ("crossref", "crossref-list", "crossref-public", "crossref-list-public")
    }
    with FakeServices(limits=unlimited) as fake:
        for w in works:
            fake.add(to_record(w))
            fake.add(to_record(decoy_of(w)))
        old = dict(os.environ)
        os.environ.update(fake.env())
        try:
            config = HttpConfig.from_env(mailto="test@example.org")
            config.rate_overrides = {"crossref": 1000.0, "crossref-list": 1000.0}
            config.concurrency_overrides = {"crossref": 8}
            with HttpClient(config) as client:
                yield client
        finally:
            os.environ.clear()
            os.environ.update(old)


def evaluate(works: list[Work], sample: int | None, seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    works = [w for w in works if w.doi]
    rng.shuffle(works)
    held_out = works[: len(works) // 5]
    loaded = works[len(works) // 5 :]
    if sample is not None:
        loaded = loaded[:sample]
        held_out = held_out[: max(1, sample // 4)]
    counts = {
        "trials": 0,
        "correct": 0,
        "wrong": 0,
        "abstained": 0,
        "unknown_trials": 0,
        "unknown_matched": 0,
    }
    with served(loaded) as client:
        for w in loaded:
            for style in STYLES_USED:
                ref = STYLES[style](w)
                result = choose(ref, search_crossref_bibliographic(client, ref, rows=5))
                counts["trials"] += 1
                if result.best is None:
                    counts["abstained"] += 1
                elif (result.best.doi or "").lower() == (w.doi or "").lower():
                    counts["correct"] += 1
                else:
                    counts["wrong"] += 1
        for w in held_out:
            for style in STYLES_USED:
                ref = STYLES[style](w)
                result = choose(ref, search_crossref_bibliographic(client, ref, rows=5))
                counts["unknown_trials"] += 1
                counts["unknown_matched"] += result.best is not None
    answered = counts["correct"] + counts["wrong"] + counts["unknown_matched"]
    return {
        **counts,
        "precision": counts["correct"] / answered if answered else 1.0,
        "recall": counts["correct"] / counts["trials"] if counts["trials"] else 0.0,
    }


def test_matching_through_a_ranking_search_service() -> None:
    from tests.conftest import shared_path

    works = load_corpus(shared_path(*DEEP_REVIEW))
    result = evaluate(works, sample=80)
    assert result["trials"] == 240
    assert result["precision"] >= 0.98, result
    assert result["recall"] >= 0.9, result


if __name__ == "__main__":
    from conftest import SHARED

    path = SHARED.joinpath(*DEEP_REVIEW)
    print(json.dumps(evaluate(load_corpus(path), sample=None), indent=2))
