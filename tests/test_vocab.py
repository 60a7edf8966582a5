"""One vocabulary: evidence.vocab is the definition; every other copy is checked against it.

reports/ never imports evidence (it renders a plain model), so reports/labels.py keeps
its own tables: these tests fail the moment one of them drifts from evidence.vocab.
"""

from __future__ import annotations

import json

from typer.testing import CliRunner

from bib.design import LEVELS
from evidence import vocab
from evidence.cli import app
from reports import labels


def test_reports_labels_equal_the_vocabulary() -> None:
    assert labels.STATUSES == vocab.STATUSES
    assert labels.VERDICTS == vocab.VERDICTS
    assert labels.STANCES == vocab.STANCES
    assert labels.PROBLEM_STATUSES == vocab.NEEDS_ATTENTION
    assert labels.EVIDENCE_LEVELS == vocab.EVIDENCE_LEVELS == (*LEVELS, "unknown")


def test_every_word_has_a_label_and_no_label_is_for_an_unknown_word() -> None:
    for words, table in (
        (vocab.STATUSES, labels.STATUS_LABELS),
        (vocab.STATUSES, labels.STATUS_DESCRIPTIONS),
        (vocab.STATUSES, labels.STATUS_COLOURS),
        (vocab.VERDICTS, labels.VERDICT_LABELS),
        (vocab.VERDICTS, labels.VERDICT_DESCRIPTIONS),
        (vocab.VERDICTS, labels.VERDICT_COLOURS),
        (vocab.STANCES, labels.STANCE_LABELS),
        (vocab.STANCES, labels.STANCE_GLYPHS),
        (vocab.ORIGINS, labels.ORIGIN_LABELS),
        (vocab.MENTION_KINDS, labels.MENTION_KIND_LABELS),
        (vocab.EVIDENCE_LEVELS, labels.EVIDENCE_LEVEL_LABELS),
    ):
        assert set(table) == set(words), (words, sorted(table))


def test_status_groups_partition_what_needs_attention() -> None:
    assert set(vocab.NEEDS_ATTENTION) == set(vocab.BAD_SOURCE) | set(vocab.LACKING_SOURCE)
    assert not set(vocab.BAD_SOURCE) & set(vocab.LACKING_SOURCE)
    assert set(vocab.DEFAULT_FAIL_ON) <= set(vocab.NEEDS_ATTENTION)
    assert "supported" not in vocab.NEEDS_ATTENTION and "cited" not in vocab.NEEDS_ATTENTION
    assert vocab.CITING_KINDS | {"journal", "vague"} == set(vocab.MENTION_KINDS)


ARTICLE = (
    "Massage lowers blood pressure in older adults.\n\n"
    "Studies show that massage improves sleep quality in every patient.\n\n"
    "A study published in the Journal of Clinical Nursing found that massage halves pain.\n\n"
    "Massage therapy reduced anxiety in adults [@field1996].\n"
)


def test_check_and_report_mean_the_same_by_lacking_a_source(tmp_path) -> None:
    """`check` lists what needs attention; the report's "lacking sources" is the part of
    it with no specific study behind it. Same statuses, same claims, through the CLI."""
    doc = tmp_path / "article.md"
    doc.write_text(ARTICLE, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(doc)]).exit_code == 0
    check = runner.invoke(app, ["check", "--json", "--fail-on", "unsourced"])
    assert check.exit_code == 1, check.output
    listed = {c["id"]: c["status"] for c in json.loads(check.output)["needs_attention"]}
    report = runner.invoke(app, ["report", "--format", "json"])
    assert report.exit_code == 0, report.output
    model = json.loads(report.output)
    by_status = {c["id"]: c["status"] for c in model["claims"]}
    lacking = set(model["lacking_sources"])
    assert lacking == {cid for cid, st in by_status.items() if st in vocab.LACKING_SOURCE}
    assert set(listed) == {cid for cid, st in by_status.items() if st in vocab.NEEDS_ATTENTION}
    # the fixture has one of each: unsourced, vague, attributed, and a cited claim
    assert sorted(listed.values()) == ["attributed", "unsourced", "vague"]
    assert lacking == set(listed)
