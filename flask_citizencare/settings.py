"""The settings that are objects, parsed once per app: ``state().settings``.

:meth:`Settings.from_config` builds the area, the districts, the time zone, the
business calendar (which caches its years' opening hours), the service levels,
the routing rules and the languages, or raises a
:class:`~.errors.ConfigurationError` naming the setting that is not usable.
:func:`.config.check_values` calls it at start-up, between its checks of the
plain values; those (page sizes, limits, addresses) are simply read from
``app.config``.

In production the settings are parsed once, by ``init_app``. A value replaced
in ``app.config`` afterwards (tests do that; so might a host) still takes
effect: :class:`AppSettings` keeps the raw values it parsed and parses again as
soon as one of them is no longer the same (compared by identity, then by
equality: cheap). A value changed in place (a list appended to, a dict item
set) is not noticed: assign a new value instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from operator import is_
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .domain.geo import Area, District
from .domain.routing import RoutingRule, parse_rules
from .domain.sla import BusinessCalendar, SlaPolicy
from .errors import ConfigurationError

__all__ = ["SOURCES", "AppSettings", "Settings"]

PREFIX = "CITIZENCARE_"  # as in .config, which imports this module
#: The raw settings that :class:`Settings` holds parsed.
SOURCES = tuple(
    PREFIX + name
    for name in ("AREA", "DISTRICTS", "TIMEZONE", "SLA_CALENDAR", "SLA_POLICY", "ROUTING", "LANGUAGES")
)


@dataclass(frozen=True)
class Settings:
    """The settings that are objects, parsed from ``app.config``."""

    #: ``CITIZENCARE_AREA``: where reports may be placed.
    area: Area
    #: ``CITIZENCARE_DISTRICTS``, in their order.
    districts: tuple[District, ...]
    #: ``CITIZENCARE_TIMEZONE``: of the business calendar and of dates shown to people.
    zone: ZoneInfo
    #: ``CITIZENCARE_SLA_CALENDAR`` in the time zone.
    calendar: BusinessCalendar
    #: ``CITIZENCARE_SLA_POLICY``, without the managers' overrides stored on categories.
    sla_policy: SlaPolicy
    #: ``CITIZENCARE_ROUTING``.
    routing: tuple[RoutingRule, ...]
    #: ``CITIZENCARE_LANGUAGES``; the first is the default.
    languages: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """Parse the object settings of ``config`` (defaults applied); ConfigurationError if unusable."""
        try:
            area = Area.from_setting(config[PREFIX + "AREA"])
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"CITIZENCARE_AREA is not usable: {exc}") from None
        timezone = config[PREFIX + "TIMEZONE"]
        try:
            calendar = BusinessCalendar.from_config({"timezone": timezone, **config[PREFIX + "SLA_CALENDAR"]})
            sla_policy = SlaPolicy.from_config(config[PREFIX + "SLA_POLICY"])
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(
                f"CITIZENCARE_SLA_CALENDAR or CITIZENCARE_SLA_POLICY is not usable: {exc}"
            ) from None
        try:
            routing = parse_rules(config[PREFIX + "ROUTING"])
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"CITIZENCARE_ROUTING is not usable: {exc}") from None
        districts = []
        for entry in config[PREFIX + "DISTRICTS"]:
            try:
                districts.append(District.from_setting(entry))
            except (KeyError, TypeError, ValueError) as exc:
                raise ConfigurationError(
                    f"CITIZENCARE_DISTRICTS has an unusable entry {entry!r}: {exc}"
                ) from None
        languages = config[PREFIX + "LANGUAGES"]
        if not languages or not all(isinstance(code, str) for code in languages):
            raise ConfigurationError("CITIZENCARE_LANGUAGES must be a non-empty list of language codes")
        try:
            zone = ZoneInfo(timezone)  # checked by the calendar, unless CITIZENCARE_SLA_CALENDAR has its own
        except (ZoneInfoNotFoundError, TypeError, ValueError):
            raise ConfigurationError(
                f"CITIZENCARE_TIMEZONE is not usable: unknown time zone {timezone!r}"
            ) from None
        return cls(
            area=area,
            districts=tuple(districts),
            zone=zone,
            calendar=calendar,
            sla_policy=sla_policy,
            routing=routing,
            languages=tuple(languages),
        )


class AppSettings:
    """An app's :class:`Settings` with the raw values they were parsed from (see the module docstring)."""

    def __init__(self, config: Mapping[str, Any], settings: Settings | None = None) -> None:
        """``settings``: already parsed from ``config`` (by :func:`.config.check_values`)."""
        self._config = config
        raw = self._raw()
        #: One tuple, replaced at once: threads reading meanwhile see the old pair or the new one.
        self._parsed = (raw, settings or Settings.from_config(config))

    def _raw(self) -> tuple[Any, ...]:
        return tuple(self._config.get(key) for key in SOURCES)

    def current(self) -> Settings:
        """The settings, parsed again first if a raw value they come from was replaced."""
        parsed, settings = self._parsed
        raw = self._raw()
        if not all(map(is_, raw, parsed)):
            if raw != parsed:  # an equal value put in place of another costs no parsing
                settings = Settings.from_config(self._config)
            self._parsed = (raw, settings)  # and the next read only compares identities
        return settings
