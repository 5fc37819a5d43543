"""A report's words as the suggestion model reads them.

Lower case, accents folded ("città" and "citta" are one word, as citizens type
both on a phone), digits dropped (house numbers and dates say nothing of the
kind of problem), Italian stop words dropped, each word cut to its stem by the
Snowball Italian stemmer ("lampione", "lampioni" → "lampion"). The character
n-grams read the folded text, so they catch typos and words the stemmer does
not join ("spazzatura", "spazzature", "spazatura").
"""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

#: The Snowball project's Italian stop words, folded like the text.
STOP_WORDS = frozenset(
    """
    ad al allo ai agli all agl alla alle con col coi da dal dallo dai dagli dall dagl dalla dalle di
    del dello dei degli dell degl della delle in nel nello nei negli nell negl nella nelle su sul
    sullo sui sugli sull sugl sulla sulle per tra contro io tu lui lei noi voi loro mio mia miei mie
    tuo tua tuoi tue suo sua suoi sue nostro nostra nostri nostre vostro vostra vostri vostre mi ti
    ci vi lo la li le gli ne il un uno una ma ed se perche anche come dov dove che chi cui non piu
    quale quanto quanti quanta quante quello quelli quella quelle questo questi questa queste si
    tutto tutti a c e i l o ho hai ha abbiamo avete hanno abbia abbiate abbiano avro avrai avra
    avremo avrete avranno avrei avresti avrebbe avremmo avreste avrebbero avevo avevi aveva avevamo
    avevate avevano ebbi avesti ebbe avemmo aveste ebbero avessi avesse avessimo avessero avendo
    avuto avuta avuti avute sono sei siamo siete sia siate siano saro sarai sara saremo sarete
    saranno sarei saresti sarebbe saremmo sareste sarebbero ero eri era eravamo eravate erano fui
    fosti fu fummo foste furono fossi fosse fossimo fossero essendo faccio fai facciamo fanno
    faccia facciate facciano faro farai fara faremo farete faranno farei faresti farebbe faremmo
    fareste farebbero facevo facevi faceva facevamo facevate facevano feci facesti fece facemmo
    faceste fecero facessi facesse facessimo facessero facendo sto stai sta stiamo stanno stia
    stiate stiano staro starai stara staremo starete staranno starei staresti starebbe staremmo
    stareste starebbero stavo stavi stava stavamo stavate stavano stetti stesti stette stemmo
    steste stettero stessi stesse stessimo stessero stando buongiorno buonasera salve grazie
    cordiali saluti gentili
    """.split()
)

_WORD = re.compile(r"[^\W\d_]{2,}")
_NOT_LETTER = re.compile(r"[\W\d_]+")
_local = threading.local()  # Snowball's stemmers keep state: one per thread


def fold(text: str) -> str:
    """Lower case without accents, NUL or control characters."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and (c.isprintable() or c == " "))


def words(text: str) -> list[str]:
    """The stems of the words that tell the problem (the word n-grams' analyser)."""
    return [stem(w) for w in _WORD.findall(fold(text)) if w not in STOP_WORDS]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """``word``'s Snowball Italian stem; cached, since a town's reports use a few thousand words."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("italian")
    return str(stemmer.stemWord(word))


def letters(text: str) -> str:
    """The folded text with digits and punctuation turned into spaces (the character n-grams read it)."""
    return " ".join(_NOT_LETTER.sub(" ", fold(text)).split())


def report_text(title: str | None, description: str | None) -> str:
    """One text of a report's title and description; the title, shorter and chosen, counts twice."""
    title = (title or "").strip()
    description = (description or "").strip()
    return f"{title}. {title}. {description}" if title else description
