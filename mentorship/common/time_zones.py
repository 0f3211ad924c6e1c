"""The time zone picker: the likely zones first, then every place grouped by region.

About 600 raw names ("America/Argentina/Buenos_Aires", "US/Eastern", "Etc/GMT+5") were
one flat list. Here each option reads city first ("Buenos Aires, Argentina"), so typing
the first letters of a city in the closed list finds it; the regions are option groups;
the old aliases are left out unless the person's saved zone is one of them.
"""

import zoneinfo
from functools import cache, lru_cache

from mentorship.common.widgets import ListSelect

REGIONS = ("America", "Europe", "Asia", "Africa", "Australia", "Pacific", "Atlantic",
           "Indian", "Antarctica")  # fmt: skip
# Where most of the program's people are: the United States' zones, then UTC.
LIKELY = [
    ("America/New_York", "Eastern time (New York)"),
    ("America/Chicago", "Central time (Chicago)"),
    ("America/Denver", "Mountain time (Denver)"),
    ("America/Phoenix", "Mountain time without daylight saving (Phoenix)"),
    ("America/Los_Angeles", "Pacific time (Los Angeles)"),
    ("America/Anchorage", "Alaska time (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii time (Honolulu)"),
    ("Europe/London", "UK time (London)"),
    ("UTC", "Coordinated Universal Time (UTC)"),
]


def _label(name: str) -> str:
    place = name.partition("/")[2]
    parts = [p.replace("_", " ") for p in place.split("/")]
    return ", ".join(reversed(parts)) if len(parts) > 1 else parts[0]


@cache
def _grouped() -> tuple:
    groups = {region: [] for region in REGIONS}
    for name in sorted(zoneinfo.available_timezones()):
        region = name.partition("/")[0]
        if region in groups and "/" in name:
            groups[region].append((name, _label(name)))
    return tuple(
        (region, tuple(sorted(options, key=lambda option: option[1])))
        for region, options in groups.items()
    )


def time_zone_choices(current: str = "") -> list:
    """Choices for a select: an empty prompt, the likely zones, each region, and the
    saved zone if it is an alias the regions leave out."""
    choices = [("", "Choose your time zone"), ("Most used in the program", LIKELY)]
    choices.extend((region, list(options)) for region, options in _grouped())
    known = {name for _, options in choices[1:] for name, _ in options}
    if current and current not in known and current in zoneinfo.available_timezones():
        choices.append(("Your saved time zone", [(current, current.replace("_", " "))]))
    return choices


class TimeZoneSelect(ListSelect):
    """The picker. Its 600 options are the same for everyone who saved the same zone and
    chose the same one, so each such list is written once per process and kept (2-4 ms
    of the intake's 22 on the benchmark machine, issue 13)."""

    def __init__(self, current: str = "", attrs=None):
        super().__init__(attrs, choices=time_zone_choices(current))
        self.current = current

    def render_options(self, value) -> str:
        chosen = self.format_value(value)
        if len(chosen) > 1:  # not from a form: a select sends one value
            return super().render_options(value)
        return _options(self.current, chosen[0] if chosen else None)


@lru_cache(maxsize=64)
def _known(current: str) -> frozenset:
    return frozenset(_values(time_zone_choices(current)))


def _values(choices):
    for value, label in choices:
        if isinstance(label, (list, tuple)):
            yield from (inner for inner, _ in label)
        else:
            yield value


@lru_cache(maxsize=256)
def _cached_options(current: str, chosen: str | None) -> str:
    picker = ListSelect(choices=time_zone_choices(current))
    return picker.render_options([] if chosen is None else chosen)


def _options(current: str, chosen: str | None) -> str:
    # Whatever was sent that is none of the options chooses none: one list for all of it.
    return _cached_options(current, chosen if chosen in _known(current) else None)
