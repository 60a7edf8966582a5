from __future__ import annotations

import pytest

from evidence.status import derive_status
from evidence.vocab import STATUSES

STUDIES = {
    1: {"retracted": False, "verification": "verified"},
    2: {"retracted": True, "verification": "retracted"},
    3: {"retracted": False, "verification": "unverified"},
}


@pytest.mark.parametrize(
    ("mentions", "links", "expected"),
    [
        ([], [], "unsourced"),
        ([{"kind": "vague", "study_id": None}], [], "vague"),
        (
            [{"kind": "journal", "study_id": None}, {"kind": "vague", "study_id": None}],
            [],
            "attributed",
        ),
        ([{"kind": "doi", "study_id": None}], [], "cited"),
        ([{"kind": "journal", "study_id": 3}], [], "cited"),
        ([], [{"study_id": 1, "stance": "supports", "origin": "user"}], "supported"),
        # unverified study: reviewed support is not yet "supported"
        ([], [{"study_id": 3, "stance": "supports", "origin": "user"}], "cited"),
        ([], [{"study_id": 1, "stance": "contradicts", "origin": "user"}], "disputed"),
        ([{"kind": "doi", "study_id": 2}], [], "retracted"),
        ([], [{"study_id": 2, "stance": "supports", "origin": "user"}], "retracted"),
        # contradicting a retracted study does not make the claim rest on it
        ([], [{"study_id": 2, "stance": "contradicts", "origin": "user"}], "disputed"),
        # suggestions never count until confirmed
        ([], [{"study_id": 1, "stance": "supports", "origin": "suggested"}], "unsourced"),
    ],
)
def test_derive_status(mentions: list, links: list, expected: str) -> None:
    assert expected in STATUSES
    assert derive_status(mentions, links, STUDIES) == expected
