"""Venue knowledge for reference checking: which conference, journal or preprint server
a name denotes, and whether a cited venue agrees with what the services say of a work.

"ICLR" is the "International Conference on Learning Representations"; "Proc. NeurIPS",
"NIPS", "Advances in Neural Information Processing Systems" and DBLP's "conf/nips" are one
venue; "J. Mach. Learn. Res." abbreviates the "Journal of Machine Learning Research"; a
workshop is not its conference. The table and its lookup are in ``bib.venue_table``
(facts in ``bib/data/venues.json`` with their sources); the comparison is the one
journal-name rule of ``bib.journals``, which goes through the table. This module is the
public face of both.
"""

from __future__ import annotations

from bib.journals import same_venue, venue_agrees
from bib.venue_table import (
    KINDS,
    Venue,
    all_venues,
    canonical_venue,
    is_known_venue,
    is_preprint_server,
    venue_sources,
    venues_for_key,
)

__all__ = [
    "KINDS",
    "Venue",
    "all_venues",
    "canonical_venue",
    "is_known_venue",
    "is_preprint_server",
    "same_venue",
    "venue_agrees",
    "venue_sources",
    "venues_for_key",
]
