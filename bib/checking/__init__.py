"""Checking a citation against the works the services know.

``compare`` says which fields of a citation disagree with the work it names, each with a
severity; ``search`` finds the work of a citation by its title and authors when no
identifier leads to it (or the identifier leads nowhere, or to another work); ``verdict``
puts the two together into one verdict with its evidence.
"""
