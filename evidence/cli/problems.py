"""How the commands show a batch's problems: a file that could not be read at all is an
``Error:`` line; an entry left out of a file that was read is named as it is."""

from __future__ import annotations

from evidence.problems import Problem


def problem_line(problem: Problem) -> str:
    return f"Error: {problem}" if problem.unreadable else str(problem)
