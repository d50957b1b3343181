"""How many leading digits decide `phonenumbers`' answer for a number, read from its metadata.

Every national-number pattern of a country code is expanded into fixed-length sequences of digit
classes (`9[0-24-9]\\d{8}` → one sequence of ten classes). For a given number, a pattern's
outcome is decided after `p` digits when no sequence still fits (no match whatever follows) or a
fitting one allows any digit from there on (a match whatever follows). The largest such `p` over
all patterns, and over the prefixes that region detection and time-zone lookup read, is the
number's *depth*: every number of that length sharing those first digits gets the same answer.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from functools import cache
from re import _constants as sre_c  # type: ignore[attr-defined]  # private: no stubs
from re import _parser as sre_parse  # type: ignore[attr-defined]  # private: no stubs

from phonenumbers import PhoneMetadata
from phonenumbers.phonenumberutil import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers.tzdata import TIMEZONE_DATA

_DESCS = (
    "general_desc", "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail", "no_international_dialling",
)  # fmt: skip
_DIGITS = frozenset("0123456789")
_MAX_SEQUENCES = 20_000

# One expanded pattern: (digit classes, index from which every class is "any digit").
Sequence = tuple[tuple[frozenset[str], ...], int]


class _Unsupported(Exception):
    pass


def _digit_class(items) -> frozenset[str]:
    chars: set[str] = set()
    negate = False
    for op, arg in items:
        if op is sre_c.NEGATE:
            negate = True
        elif op is sre_c.LITERAL:
            chars.add(chr(arg))
        elif op is sre_c.RANGE:
            chars.update(chr(c) for c in range(arg[0], arg[1] + 1))
        elif op is sre_c.CATEGORY and arg is sre_c.CATEGORY_DIGIT:
            chars.update(_DIGITS)
        else:
            raise _Unsupported(op)
    return _DIGITS - chars if negate else frozenset(chars) & _DIGITS


def _expand(items) -> list[tuple[frozenset[str], ...]]:
    sequences: list[tuple[frozenset[str], ...]] = [()]
    for op, arg in items:
        options = _options(op, arg)
        sequences = [s + o for s in sequences for o in options]
        if len(sequences) > _MAX_SEQUENCES:
            raise _Unsupported("too many sequences")
    return sequences


def _options(op, arg) -> list[tuple[frozenset[str], ...]]:
    if op is sre_c.LITERAL:
        return [(_digit_class([(op, arg)]),)]
    if op is sre_c.IN:
        return [(_digit_class(arg),)]
    if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
        low, high, sub = arg
        if high >= sre_c.MAXREPEAT or high > 20:
            raise _Unsupported("unbounded repeat")
        inner = _expand(sub)
        found: list[tuple[frozenset[str], ...]] = []
        for count in range(low, high + 1):
            for parts in itertools.product(inner, repeat=count):
                found.append(tuple(itertools.chain.from_iterable(parts)))
                if len(found) > _MAX_SEQUENCES:
                    raise _Unsupported("too many sequences")
        return found
    if op is sre_c.SUBPATTERN:
        return _expand(arg[-1])
    if op is sre_c.BRANCH:
        return [s for branch in arg[1] for s in _expand(branch)]
    raise _Unsupported(op)


def _free_from(classes: tuple[frozenset[str], ...]) -> int:
    index = len(classes)
    while index and classes[index - 1] == _DIGITS:
        index -= 1
    return index


def _max_width(pattern: str | None) -> int:
    if not pattern:
        return 0
    width = sre_parse.parse(pattern).getwidth()[1]
    return 10**6 if width >= sre_c.MAXREPEAT else width


@dataclass
class Plan:
    """A country code's patterns, expanded; `depth` answers per number."""

    leading: int  # digits region detection, national prefixes and time zones always read
    patterns: list[list[Sequence]]
    prefixes: tuple[re.Pattern[str], ...]
    transforms: bool = False  # a region rewrites its national prefix (not only strips it)
    _by_length: dict[int, list[list[Sequence]]] = field(default_factory=dict)

    def _for_length(self, length: int) -> list[list[Sequence]]:
        found = self._by_length.get(length)
        if found is None:
            found = [[s for s in p if len(s[0]) == length] for p in self.patterns]
            self._by_length[length] = found
        return found

    def prefixed_depth(self, national: str) -> int | None:
        """For a number a national prefix matches, the digits that decide its answer; None when
        a region transforms the prefix (then only `phonenumbers` knows).

        `phonenumbers.parse` strips the prefix unless the number fits the general pattern and
        the rest does not, and then answers for the number or for the rest: the digits that
        decide every pattern for both (the rest's length is fixed by the number's) decide it.
        """
        if self.transforms:
            return None
        ends = [match.end() for prefix in self.prefixes if (match := prefix.match(national))]
        rest = max((end + self.depth(national[end:]) for end in ends), default=0)
        return max(self.depth(national), rest)

    def depth(self, national: str) -> int:
        """How many leading digits of `national` decide every pattern's outcome."""
        deepest = min(self.leading, len(national))
        for sequences in self._for_length(len(national)):
            alive = sequences
            position = 0
            while alive and not any(free <= position for _, free in alive):
                digit = national[position]
                alive = [s for s in alive if digit in s[0][position]]
                position += 1
            deepest = max(deepest, position)
        return deepest


@cache
def plan_for(country_code: int) -> Plan | None:
    """The country code's plan, or None when its metadata uses regex we do not expand."""
    patterns: list[list[Sequence]] = []
    leading = 0
    prefixes = []
    transforms = False
    try:
        for region in COUNTRY_CODE_TO_REGION_CODE.get(country_code, ()):
            metadata = PhoneMetadata.metadata_for_region_or_calling_code(country_code, region)
            if metadata is None:
                continue
            for name in _DESCS:
                pattern = getattr(getattr(metadata, name, None), "national_number_pattern", None)
                if pattern:
                    expanded = _expand(sre_parse.parse(pattern))
                    patterns.append([(s, _free_from(s)) for s in expanded])
            for pattern in (metadata.national_prefix_for_parsing, metadata.leading_digits):
                leading = max(leading, _max_width(pattern))
            if metadata.national_prefix_for_parsing:
                prefixes.append(re.compile(metadata.national_prefix_for_parsing))
                transforms = transforms or bool(metadata.national_prefix_transform_rule)
    except _Unsupported:
        return None
    code = str(country_code)
    longest = max((len(key) for key in TIMEZONE_DATA if key.startswith(code)), default=0)
    return Plan(
        max(leading, longest - len(code)), patterns, tuple(prefixes), transforms
    )
