"""Exit codes of a run stopped by a signal (128 + the signal number), kept apart so
that the console script can use them before the commands are imported."""

from __future__ import annotations

INTERRUPTED = 130  # SIGINT, Ctrl-C
TERMINATED = 143  # SIGTERM
BROKEN_PIPE = 141  # SIGPIPE: the reader of stdout left (`evidence studies | head`)
