"""The service-level terms as data: :class:`SlaPolicy`, its defaults and its settings.

Acknowledgement (TP) by channel: web 30 min, email 45 min, phone 90 min of
business time (reference 002); api 30 min (it is the web form of other
software), counter 30 min (the citizen is in front of an operator), letter
and fax 8 business hours, one business day (paper is registered first).
Resolution (TR): 6 business hours at level 1, 8 at level 2, capped by a
calendar-day ceiling (reference 001): 7 days for simple requests, 40 days
for complex ones. Complex requests have no business-hours term by default
(``complex_resolution`` is empty), since "min(8 business hours, 40 days)"
would make the 40 days meaningless; a category may set one. Any figure may
be overridden per category code.

A policy says how long each term is, never when it falls: :mod:`.due` lays
the terms on the business calendar (:mod:`.calendar`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from enum import Enum
from types import MappingProxyType
from typing import Any, Final

from ..lifecycle import Channel
from .durations import _check_duration, parse_duration

__all__ = ["DEFAULT_ACKNOWLEDGEMENT", "DEFAULT_RESOLUTION", "CategoryOverride", "SlaPolicy"]

#: Acknowledgement time (TP) by channel.
DEFAULT_ACKNOWLEDGEMENT: Final[Mapping[Channel, timedelta]] = MappingProxyType(
    {
        Channel.WEB: timedelta(minutes=30),
        Channel.EMAIL: timedelta(minutes=45),
        Channel.PHONE: timedelta(minutes=90),
        Channel.API: timedelta(minutes=30),
        Channel.COUNTER: timedelta(minutes=30),
        Channel.LETTER: timedelta(hours=8),
        Channel.FAX: timedelta(hours=8),
    }
)
#: Resolution time (TR) by level, in business time.
DEFAULT_RESOLUTION: Final[Mapping[int, timedelta | None]] = MappingProxyType(
    {1: timedelta(hours=6), 2: timedelta(hours=8)}
)


class _Unset(Enum):
    UNSET = "unset"


UNSET: Final = _Unset.UNSET


@dataclass(frozen=True, slots=True)
class CategoryOverride:
    """What one category changes in the policy; anything left out keeps the policy's value.

    Duration mappings are partial (only the channels or levels given change);
    a level mapped to None has no business-time term. ``complex`` sets whether
    the category's cases are complex unless the caller says otherwise.
    """

    acknowledgement: Mapping[Channel, timedelta] = field(default_factory=dict)
    resolution: Mapping[int, timedelta | None] = field(default_factory=dict)
    complex_resolution: Mapping[int, timedelta | None] = field(default_factory=dict)
    ceiling_simple: timedelta | _Unset | None = UNSET
    ceiling_complex: timedelta | _Unset | None = UNSET
    complex: bool | None = None


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    """Service-level terms as data (see the module docstring for the defaults and their sources).

    - ``acknowledgement``: business time to take a case in charge, by channel;
    - ``resolution`` / ``complex_resolution``: business time to resolve, by level, for
      simple / complex cases (None or missing level: no business-time term);
    - ``ceiling_simple`` / ``ceiling_complex``: calendar-time cap on resolution (None: no cap);
    - ``complex``: whether cases are complex by default;
    - ``due_soon``: business time left under which a due time is "due soon";
    - ``categories``: :class:`CategoryOverride` by category code.
    """

    acknowledgement: Mapping[Channel, timedelta] = field(default_factory=lambda: {**DEFAULT_ACKNOWLEDGEMENT})
    resolution: Mapping[int, timedelta | None] = field(default_factory=lambda: {**DEFAULT_RESOLUTION})
    complex_resolution: Mapping[int, timedelta | None] = field(default_factory=dict)
    ceiling_simple: timedelta | None = timedelta(days=7)
    ceiling_complex: timedelta | None = timedelta(days=40)
    complex: bool = False
    due_soon: timedelta = timedelta(hours=1)
    categories: Mapping[str, CategoryOverride] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "acknowledgement",
            _frozen_map(
                {
                    Channel(k): _check_duration(v, f"acknowledgement[{k}]")
                    for k, v in self.acknowledgement.items()
                }
            ),
        )
        for name in ("resolution", "complex_resolution"):
            values: Mapping[int, timedelta | None] = getattr(self, name)
            object.__setattr__(
                self,
                name,
                _frozen_map(
                    {
                        int(k): None if v is None else _check_duration(v, f"{name}[{k}]")
                        for k, v in values.items()
                    }
                ),
            )
        for name in ("ceiling_simple", "ceiling_complex"):
            value = getattr(self, name)
            if value is not None:
                _check_duration(value, name)
        _check_duration(self.due_soon, "due_soon")
        object.__setattr__(self, "categories", _frozen_map(dict(self.categories)))

    @classmethod
    def from_config(cls, mapping: Mapping[str, Any] | None = None) -> SlaPolicy:
        """Build from plain settings; what is left out keeps the defaults.

        Durations are :class:`~datetime.timedelta` or strings such as ``"30m"``,
        ``"1h30m"``, ``"6h"``, ``"7d"`` (see :func:`parse_duration`)::

            {
                "acknowledgement": {"web": "30m", "letter": "16h"},   # merged over the defaults
                "resolution": {1: "6h", 2: "8h"},                     # levels as ints or "1"
                "complex_resolution": {2: "40h"},
                "ceiling_simple": "7d", "ceiling_complex": "40d",    # None: no ceiling
                "complex": False,
                "due_soon": "1h",
                "categories": {"roads": {"resolution": {1: "16h"}, "complex": True}},
            }

        Raises :class:`ValueError` with a readable message on anything else.
        """
        config = dict(mapping or {})
        unknown = set(config) - {*_OVERRIDE_KEYS, "due_soon", "categories"}
        if unknown:
            raise ValueError(f"unknown service-level setting(s): {', '.join(sorted(map(str, unknown)))}")
        base = cls()
        kwargs: dict[str, Any] = {}
        if "acknowledgement" in config:
            kwargs["acknowledgement"] = {**base.acknowledgement, **_parse_channels(config["acknowledgement"])}
        if "resolution" in config:
            kwargs["resolution"] = {**base.resolution, **_parse_levels(config["resolution"], "resolution")}
        if "complex_resolution" in config:
            kwargs["complex_resolution"] = _parse_levels(config["complex_resolution"], "complex_resolution")
        for name in ("ceiling_simple", "ceiling_complex"):
            if name in config:
                kwargs[name] = _parse_optional_duration(config[name], name)
        if "complex" in config:
            kwargs["complex"] = _parse_bool(config["complex"], "complex")
        if "due_soon" in config:
            kwargs["due_soon"] = parse_duration(config["due_soon"])
        if "categories" in config:
            categories = config["categories"]
            if not isinstance(categories, Mapping):
                raise ValueError("categories must map category codes to their overrides")
            kwargs["categories"] = {str(c): _parse_override(str(c), v) for c, v in categories.items()}
        return cls(**kwargs)

    def for_category(self, code: str | None) -> SlaPolicy:
        """The policy with ``code``'s overrides applied (itself without overrides for that code)."""
        override = None if code is None else self.categories.get(code)
        if override is None:
            return self
        return replace(
            self,
            acknowledgement={**self.acknowledgement, **override.acknowledgement},
            resolution={**self.resolution, **override.resolution},
            complex_resolution={**self.complex_resolution, **override.complex_resolution},
            ceiling_simple=(
                self.ceiling_simple if override.ceiling_simple is UNSET else override.ceiling_simple
            ),
            ceiling_complex=(
                self.ceiling_complex if override.ceiling_complex is UNSET else override.ceiling_complex
            ),
            complex=self.complex if override.complex is None else override.complex,
            categories={},
        )

    def acknowledgement_for(self, channel: Channel | str) -> timedelta:
        try:
            return self.acknowledgement[Channel(channel)]
        except (KeyError, ValueError):
            raise ValueError(f"no acknowledgement time for channel {channel!r}") from None

    def resolution_for(self, level: int, complex: bool) -> timedelta | None:
        """Business time to resolve at ``level``; None when only the ceiling applies."""
        return (self.complex_resolution if complex else self.resolution).get(level)

    def ceiling_for(self, complex: bool) -> timedelta | None:
        return self.ceiling_complex if complex else self.ceiling_simple


_OVERRIDE_KEYS: Final = frozenset(
    {"acknowledgement", "resolution", "complex_resolution", "ceiling_simple", "ceiling_complex", "complex"}
)


# -- reading the settings ---------------------------------------------------------


def _parse_optional_duration(value: timedelta | str | None, what: str) -> timedelta | None:
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None


def _parse_bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, not {value!r}")
    return value


def _parse_channels(value: object) -> dict[Channel, timedelta]:
    if not isinstance(value, Mapping):
        raise ValueError("acknowledgement must map channels to durations")
    out: dict[Channel, timedelta] = {}
    for key, duration in value.items():
        try:
            channel = Channel(str(key))
        except ValueError:
            known = ", ".join(c.value for c in Channel)
            raise ValueError(f"unknown channel {key!r} in acknowledgement (known: {known})") from None
        parsed = _parse_optional_duration(duration, f"acknowledgement[{key}]")
        if parsed is None:
            raise ValueError(f"acknowledgement[{key}] needs a duration")
        out[channel] = parsed
    return out


def _parse_levels(value: object, what: str) -> dict[int, timedelta | None]:
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must map levels (1, 2) to durations")
    out: dict[int, timedelta | None] = {}
    for key, duration in value.items():
        try:
            level = int(key)
        except (TypeError, ValueError):
            raise ValueError(f"{what}: level {key!r} is not a number") from None
        out[level] = _parse_optional_duration(duration, f"{what}[{key}]")
    return out


def _parse_override(code: str, value: object) -> CategoryOverride:
    if not isinstance(value, Mapping):
        raise ValueError(f"categories[{code!r}] must be a mapping of overrides")
    unknown = set(value) - _OVERRIDE_KEYS
    if unknown:
        raise ValueError(f"categories[{code!r}]: unknown setting(s) {', '.join(sorted(map(str, unknown)))}")
    kwargs: dict[str, Any] = {}
    try:
        if "acknowledgement" in value:
            kwargs["acknowledgement"] = _parse_channels(value["acknowledgement"])
        for name in ("resolution", "complex_resolution"):
            if name in value:
                kwargs[name] = _parse_levels(value[name], name)
        for name in ("ceiling_simple", "ceiling_complex"):
            if name in value:
                kwargs[name] = _parse_optional_duration(value[name], name)
        if "complex" in value:
            kwargs["complex"] = _parse_bool(value["complex"], "complex")
    except ValueError as exc:
        raise ValueError(f"categories[{code!r}]: {exc}") from None
    return CategoryOverride(**kwargs)


def _frozen_map(values: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(values)
