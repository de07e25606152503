"""The limits and defaults every layer shares, from the command line down, stated once.

Standard library only, and at the bottom layer so that each layer may import it; build.py
reads it for its --help and to bound its options.
"""

from __future__ import annotations

# A class at most this large: a MOOC's, built in ranges (--only) on many machines; a
# roster may name as many students.
MAX_MEMBERS = 100_000
MAX_JOBS = 64  # worker processes at most, whatever the machine
DEFAULT_PAPER = "a4"  # [report] paper, when a config names none
