"""Bounds on a user's template: how long it may run and how much it may produce.

A template from a user is code. The sandbox (``ImmutableSandboxedEnvironment``) keeps it
from reaching anything but the report model; this module keeps it from running for
hours or filling the memory. :class:`BoundedEnvironment` checks the clock and the sizes
at every point where template code meets Python:

- every chunk of output (the report is rendered with ``generate()``, chunk by chunk, and
  the running total is bounded);
- every call (helpers, methods, macros), filter and test, attribute and item access:
  the time, the length of the arguments and of the result;
- ``range()``, whose loops check the time as they go;
- the operators that build large values from small ones (``*``, ``**``, ``+``, ``%``)
  are checked before they run, and so are widths written into format strings and given
  to the padding filters and methods (``center``, ``indent``, ``ljust``…).

The bounds are :class:`Limits`; going past one raises :class:`TemplateLimitError`.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sized
from dataclasses import dataclass
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range

from .errors import TemplateError

# Filters, methods and globals whose integer arguments are output widths or counts.
_SIZE_CALLS = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "indent", "batch", "slice"}
    | {"generate_lorem_ipsum", "lipsum"}
)
_NUMBER = re.compile(r"\d+")
# A power with more bits than this is refused before it is computed.
_MAX_POWER_BITS = 100_000
# Range loops check the clock every this many items.
_TICK_EVERY = 1024


class TemplateLimitError(TemplateError):
    """A user's template ran too long or produced too much."""


@dataclass(frozen=True)
class Limits:
    """How long a template may run (seconds) and how many characters it may produce."""

    seconds: float = 30.0
    output: int = 64 * 1024 * 1024


class Budget:
    """The running account of one rendering against its :class:`Limits`."""

    def __init__(self, limits: Limits, name: str) -> None:
        self.limits = limits
        self.name = name
        self.deadline = time.monotonic() + limits.seconds

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(
                f"Template {self.name} ran for more than {self.limits.seconds:g} seconds. "
                "Make its loops smaller"
            )

    def size(self, length: int, what: str = "its output") -> None:
        if length > self.limits.output:
            raise TemplateLimitError(
                f"Template {self.name}: {what} would pass {self.limits.output:,} characters. "
                "Make the template produce less"
            )

    def value(self, value: Any) -> Any:
        """``value``, once its length is known to be within the output bound."""
        if isinstance(value, str | bytes | list | tuple | dict):
            self.size(len(value), "a value it builds")
        return value

    def number(self, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool):
            self.size(abs(value), f"a width or count of {value}")

    def format_string(self, text: Any) -> None:
        if isinstance(text, str):
            for match in _NUMBER.finditer(text):
                self.size(int(match.group()), f"a width of {match.group()} in a format")


class _TickingRange:
    """``range()`` for templates: Jinja's bounded range, checking the clock as it runs."""

    def __init__(self, budget: Budget, items: range) -> None:
        self._budget = budget
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[int]:
        tick = self._budget.tick
        for n, item in enumerate(self._items):
            if n % _TICK_EVERY == 0:
                tick()
            yield item


class BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, checking a :class:`Budget` wherever template code runs."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, limits: Limits, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = Budget(limits, name)
        budget = self.budget
        self.globals["range"] = lambda *a: _TickingRange(budget, safe_range(*a))

    def bound_callables(self) -> None:
        """Wrap every filter and test (call once all of them are registered)."""
        for table in (self.filters, self.tests):
            for key, func in list(table.items()):
                table[key] = self._bounded(key, func)

    def _bounded(self, key: str, func: Callable[..., Any]) -> Callable[..., Any]:
        budget = self.budget

        @functools.wraps(func)  # keeps Jinja's pass_context/pass_environment mark
        def bounded(*args: Any, **kwargs: Any) -> Any:
            # A filter marked pass_context (or eval_context, environment) gets that first.
            own = args[1:] if getattr(func, "jinja_pass_arg", None) is not None else args
            self._check_arguments(key, own, kwargs)
            return budget.value(func(*args, **kwargs))

        return bounded

    def _check_arguments(
        self, key: str, args: tuple[Any, ...], kwargs: Mapping[str, Any], receiver: Any = None
    ) -> None:
        """Check the clock, the arguments' lengths, and what the call is known to build
        from them (``receiver``: the object of a method call)."""
        budget = self.budget
        budget.tick()
        values = (*args, *kwargs.values())
        for value in values:
            budget.value(value)
        if key in _SIZE_CALLS:
            for value in values:
                budget.number(value)
        if receiver is not None:
            subject, rest = receiver, args
        else:
            subject, rest = (args[0] if args else None), args[1:]
        if key in ("format", "format_map"):
            budget.format_string(subject)
        elif key == "replace" and isinstance(subject, str) and len(rest) >= 2:
            old, new = str(rest[0]), str(rest[1])
            pieces = len(subject) // max(len(old), 1) + 1
            budget.size(len(subject) + pieces * len(new), "a replaced value")
        elif key == "join" and rest and isinstance(rest[0], Sized):
            sep, items = (subject, rest[0]) if receiver is not None else (rest[0], subject)
            if isinstance(sep, str) and isinstance(items, Sized):
                budget.size(len(sep) * len(items), "a joined value")

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        # A method's object; str.format comes wrapped by the sandbox.
        receiver = getattr(__obj, "__self__", None)
        if receiver is None:
            receiver = getattr(getattr(__obj, "__wrapped__", None), "__self__", None)
        key = getattr(__obj, "__name__", "")
        __self._check_arguments(key, args, kwargs, receiver if isinstance(receiver, str) else None)
        result = super().call(__context, __obj, *args, **kwargs)
        return __self.budget.value(result)

    def getattr(self, obj: Any, attribute: str) -> Any:
        self.budget.tick()
        return self.budget.value(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        self.budget.tick()
        return self.budget.value(super().getitem(obj, argument))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget = self.budget
        budget.tick()
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, Sized) and isinstance(times, int):
                    budget.size(len(seq) * max(times, 0), "a repeated value")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
                if right * abs(left).bit_length() > _MAX_POWER_BITS:
                    budget.size(budget.limits.output + 1, f"the power {left}**{right}")
        elif operator == "+":
            if isinstance(left, Sized) and isinstance(right, Sized):
                budget.size(len(left) + len(right), "a joined value")
        elif operator == "%" and isinstance(left, str):
            budget.format_string(left)
            if "*" in left:  # widths taken from the arguments
                for value in right if isinstance(right, tuple) else (right,):
                    budget.number(value)
        return budget.value(super().call_binop(context, operator, left, right))


def render_bounded(template: Any, context: Mapping[str, Any], budget: Budget) -> str:
    """The template's output, produced chunk by chunk within the budget."""
    parts: list[str] = []
    total = 0
    for chunk in template.generate(context):
        total += len(chunk)
        budget.size(total)
        budget.tick()
        parts.append(chunk)
    return "".join(parts)
