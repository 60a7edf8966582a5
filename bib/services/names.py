"""Display names ("Laurens van der Maaten") as family/given, particles kept in the family.

DBLP and arXiv print an author as one string, given names first. Splitting it at the last
space (``openalex.split_name``) turns "Tim de Vries" into family "Vries", which a BibTeX
entry (``de Vries, Tim``) then contradicts. Here the particles before the last word go
with the family name, as BibTeX's "von" part does; a suffix (Jr., III) goes to the end of
``given`` after a comma, where :class:`~bib.work.Author` keeps it.
"""

from __future__ import annotations

from bib.work import Author

# Words that start a family name when they come before its last word. Lower-case ones
# always do ("van der Maaten"); capitalised ones ("Luc Van Gool", "Gianni Di Caro") only
# when they are not the first word, which stays a given name.
PARTICLES = frozenset(
    {
        "al",
        "bin",
        "da",
        "dal",
        "das",
        "de",
        "degli",
        "dei",
        "del",
        "della",
        "den",
        "der",
        "des",
        "di",
        "do",
        "dos",
        "du",
        "ibn",
        "la",
        "le",
        "ten",
        "ter",
        "van",
        "vande",
        "vander",
        "von",
        "zu",
    }
)
SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def split_display_name(name: str) -> Author:
    """A "Given Family" display name as an Author: "Tim de Vries" -> ("de Vries", "Tim");
    "Family, Given" is split at the comma; a lone word is the family name."""
    name = " ".join(name.split())
    if "," in name:
        family, _, given = name.partition(",")
        given = given.strip()
        if given.lower() in SUFFIXES:
            # "Martin Luther King, Jr.": the comma sets off the suffix, not the family.
            author = split_display_name(family)
            return Author(author.family, f"{author.given}, {given}".lstrip(", "))
        return Author(family.strip(), given)
    words = name.split(" ")
    suffix = ""
    if len(words) > 2 and words[-1].lower() in SUFFIXES:
        suffix = words.pop()
    if len(words) == 1:
        return Author(words[0], suffix)
    start = len(words) - 1
    while start > 1 and words[start - 1].lower() in PARTICLES:
        start -= 1
    # The first word may be a particle only when lower-case ("van Gogh" written alone).
    if start == 1 and words[0].islower() and words[0] in PARTICLES:
        start = 0
    family = " ".join(words[start:])
    given = " ".join(words[:start])
    if suffix:
        given = f"{given}, {suffix}" if given else suffix
    return Author(family, given)
