"""Texts every capability shares, and the catalog type each capability keeps its own texts in
(one table per language; Dutch is the default and the fallback)."""

from string import Template
from typing import ClassVar

LANGUAGES = ("nl", "en")


class Catalog:
    """Texts per language; `catalog("key", "en", name=...)` fills in $placeholders."""

    every: ClassVar[list["Catalog"]] = []

    def __init__(self, tables: dict[str, dict[str, str]], *, fallback: "Catalog | None" = None):
        self.tables = tables
        self.fallback = fallback
        Catalog.every.append(self)

    def __call__(self, key: str, language: str = "nl", **values: object) -> str:
        return Template(self.raw(key, language)).safe_substitute(values)

    def raw(self, key: str, language: str = "nl") -> str:
        table = self.tables.get(language, self.tables["nl"])
        if key in table:
            return table[key]
        if key in self.tables["nl"]:
            return self.tables["nl"][key]
        if self.fallback is not None:
            return self.fallback.raw(key, language)
        raise KeyError(key)


SHARED = Catalog({
    "nl": {
        "error": "Er ging iets mis aan mijn kant. Probeer het zo nog eens.",
        "not_coordinator": "Sorry, dit kunnen alleen coördinatoren van het convenant doen. Vraag "
                           "een coördinator als je dit nodig hebt.",
        "unknown_button": "Deze knop werkt niet (meer). Stel je vraag gerust opnieuw.",
        "terminal_unknown_number": "Er is geen knop met dat nummer.",
        # strftime formats for what users see (Europe/Amsterdam); month and day names come
        # from the tables below, as strftime's %A/%B follow the machine's locale.
        "date": "$weekday $day $month $year",
        "time": "%H:%M",
        "weekdays": "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
        "months": "januari februari maart april mei juni juli augustus september oktober "
                  "november december",
    },
    "en": {
        "error": "Something went wrong on my side. Please try again in a moment.",
        "not_coordinator": "Sorry, only the covenant's coordinators can do this. Ask a "
                           "coordinator if you need it.",
        "unknown_button": "This button no longer works. Feel free to ask again.",
        "terminal_unknown_number": "There is no button with that number.",
        "date": "$weekday $day $month $year",
        "time": "%H:%M",
        "weekdays": "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
        "months": "January February March April May June July August September October "
                  "November December",
    },
})


def format_date(moment, language: str = "nl") -> str:
    """'dinsdag 3 maart 2026': a local date or datetime as users read it."""
    weekdays = SHARED.raw("weekdays", language).split()
    months = SHARED.raw("months", language).split()
    return SHARED("date", language, weekday=weekdays[moment.weekday()], day=moment.day,
                  month=months[moment.month - 1], year=moment.year)


def format_time(moment, language: str = "nl") -> str:
    """'09:30': the wall-clock time of a local datetime."""
    return moment.strftime(SHARED.raw("time", language))
