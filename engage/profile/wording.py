"""Prose for questions, gaps and opportunities: dates in words, quoted titles, possessives, counts.

Questions address the company as "you", write dates in words ("4 July 2024"), and write
"General Motors'" for a name ending in s; a record's title becomes a clause after its date
only when it plainly is one, else it is quoted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from ..dates import PartialDate

STATUS_WORDS = {
    "alleged": "alleged",
    "under-investigation": "under investigation",
    "legal-action": "the subject of legal action",
    "substantiated": "substantiated",
    "remediated": "remediated",
    "dismissed": "dismissed",
    "announced": "only announced",
    "in-progress": "in progress",
    "achieved": "achieved",
    "missed": "missed",
    "withdrawn": "withdrawn",
}
VERIFICATION_WORDS = {
    "none": "not independently verified",
    "self-reported": "self-reported, without independent verification",
    "third-party": "verified by a third party",
    "certified": "certified",
}
_NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


_MONTHS = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def month_year(d: PartialDate) -> str:
    """Return a date as prose, like PartialDate.label(): '2023', 'November 2023' or '20 November 2023'."""
    if not d.month:
        return str(d.year)
    return f"{d.day} {_MONTHS[d.month]} {d.year}" if d.day else f"{_MONTHS[d.month]} {d.year}"


def date_phrase(d: PartialDate) -> str:
    """Return the date with its preposition: 'on 27 October 2023', 'in October 2023' or 'in 2023'."""
    return f"{'on' if d.day else 'in'} {month_year(d)}"


_ISO_DAY = re.compile(r"\b(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")


def prose_dates(text: str) -> str:
    """Return ``text`` with its ISO day dates ('2024-07-04') written out ('4 July 2024')."""
    if "-0" not in text and "-1" not in text:  # no ISO month without either: skip the expression's scan
        return text
    return _ISO_DAY.sub(lambda m: f"{int(m.group(3))} {_MONTHS[int(m.group(2))]} {m.group(1)}", text)


def as_sentence(text: str) -> str:
    """Return ``text`` on one line, ending as a sentence: a full stop added unless it ends in one, or in a quote."""
    text = " ".join(text.split())
    return text if text.endswith((".", "?", "!", '"', "\u201d")) else text + "."


def possessive(name: str) -> str:
    """Return the possessive of a name: "Volkswagen's", but "General Motors'" for a name ending in s."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def fix_possessives(text: str, name: str) -> str:
    """Return ``text`` with "<name>'s" (a template's "{company}'s") as ``possessive(name)``."""
    if not name.endswith("s"):
        return text
    return text.replace(f"{name}'s", possessive(name)).replace(f"{name}\u2019s", f"{name}\u2019")


def join_words(items: Sequence[str], conjunction: str = "and") -> str:
    """Return 'a', 'a and b' or 'a, b and c' (with ``conjunction`` "or": 'a, b or c', as after "no")."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conjunction} " + items[-1]


def count_words(n: int, noun: str) -> str:
    """Return ``n`` ``noun``s in words: 'no allegations', 'one allegation', 'twelve'... as '12 allegations'."""
    word = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else str(n)
    return f"{word} {noun}{'' if n == 1 else 's'}"


def quotable(title: str) -> str:
    """Return ``title`` ready to sit inside double quotes: its own double quotes become single ones."""
    title = title.rstrip(". ")
    if '"' not in title:
        return title
    out, opening = [], True
    for ch in title:
        if ch == '"':
            out.append("\u2018" if opening else "\u2019")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


# A title is used as a clause after "In July 2024, " only when it plainly is one: a named actor
# and one of these verbs ("Global Witness named ..."), or a report and one of the report verbs
# ("BHRRC report linked ...", "Report alleged ..."). Any other title is quoted, so a headline
# or a noun phrase ("NLRB charges of union-busting at ...") never has to pass for a sentence.
_ACTOR_VERBS = frozenset(
    "announced asked called concluded demanded documented ended filed fined found identified joined launched "
    "named published questioned ranked rated refused rejected reported revealed said showed signed stated sued "
    "told urged warned withdrew wrote".split()
)
_REPORT_VERBS = _ACTOR_VERBS | frozenset(
    {"accused", "alleged", "claimed", "criticised", "criticized", "estimated", "linked"}
)
_REPORT_NOUNS = frozenset(
    {"report", "reports", "investigation", "investigations", "study", "analysis", "survey", "audit", "review"}
)
_CONNECTORS = frozenset({"and", "&", "of", "for", "on", "the"})
# Actors named with "the": "the US Department of Labor", "the Business & Human Rights Resource Centre".
_THE_FIRST = frozenset({"US", "UK", "EU", "UN", "UAW", "NLRB", "ILO", "OECD"})
_THE_WORDS = frozenset({"Department", "Ministry", "Centre", "Center", "Commission", "Agency", "Office", "Council"})


def _with_article(name: str) -> str:
    """Return an institution's name as it reads mid-sentence: 'the US Department of Labor', 'Global Witness'."""
    words = name.split("(")[0].split()
    if words and words[0].lower() != "the" and (words[0] in _THE_FIRST or any(w in _THE_WORDS for w in words)):
        return f"the {name}"
    return name


def _indefinite(word: str) -> str:
    """Return 'a' or 'an' for the word that follows: 'an Amnesty report', 'an NGO report', 'a UN report'."""
    if len(word) > 1 and word.isupper():
        return "an" if word[0] in "AEFHILMNORSX" else "a"
    return "an" if word[:1] in ("A", "E", "I", "O", "a", "e", "i", "o") else "a"


@functools.lru_cache(maxsize=4096)
def _as_clause(title: str) -> str | None:
    """Return ``title`` as a clause to follow "In July 2024, ", or None when it is not plainly one."""
    words = title.split()
    if len(words) < 2:
        return None
    if words[0] == "Reports" and words[1] in ("of", "that"):  # "Reports of X": "there were reports of X"
        return "there were reports " + " ".join(words[1:])
    if words[0] == "Report" and words[1] == "that":  # "Report that X": "a report said that X"
        return "a report said " + " ".join(words[1:])
    if title[0] in '"\u201c':  # a named report: '"Short circuits" report found ...'
        close = title.find('"' if title[0] == '"' else "\u201d", 1)
        rest = title[close + 1 :].split() if close > 0 else []
        if len(rest) >= 2 and rest[0] in _REPORT_NOUNS and rest[1] in _REPORT_VERBS:
            return f"the {title}"
        return None
    i = 0
    while i < len(words) and (words[i][0].isupper() or words[i][0].isdigit() or (i and words[i] in _CONNECTORS)):
        i += 1
    subject, rest = words[:i], words[i:]
    if not subject or not rest or subject[-1] in _CONNECTORS:
        return None
    if subject in (["Report"], ["Reports"]) and rest[0] in _REPORT_VERBS:  # "Report alleged ..."
        return ("a report " if subject == ["Report"] else "reports ") + " ".join(rest)
    if rest[0] in _ACTOR_VERBS:  # "Global Witness named ..."
        return _with_article(" ".join(subject)) + " " + " ".join(rest)
    if len(rest) >= 2 and rest[0] in _REPORT_NOUNS and rest[1] in _REPORT_VERBS:  # "BHRRC report linked ..."
        article = "" if rest[0].endswith("s") else _indefinite(subject[0]) + " "
        return article + title
    return None


def reported_sentence(title: str, publisher: str | None, when: PartialDate) -> str:
    """Return a sentence (no final stop) saying when, and if known by whom, ``title`` was reported.

    'In July 2024, Global Witness named ...' when the title is plainly a clause; otherwise the
    title is quoted: 'On 4 July 2024, Solutions for Our Climate reported "..."', or, with no
    ``publisher``, 'In January 2024, a report described "..."'. ``publisher`` must be that of a
    source dated within ``when`` (see ``engage.profile.questions``), so the two are never at odds.
    """
    lead = date_phrase(when)
    lead = lead[0].upper() + lead[1:]
    title = title.rstrip(". ")
    clause = _as_clause(title)
    if clause is not None:
        return f"{lead}, {clause}"
    clause = _loose_clause(title)
    if clause is not None:
        return f"{lead}, {clause}"
    owner, _, named = title.partition("'s ")
    if named and owner[:1].isupper() and set(named.split()) & _REPORT_NOUNS and _loose_clause(named) is None:
        # "Climate Rights International's "Nickel Unearthed" report on ...": the owner published it.
        return f"{lead}, {_with_article(owner)} published its {named}"
    # Our own title of a record is our prose, never a quotation: a noun phrase after "reported on".
    if publisher:
        return f"{lead}, {_with_article(publisher)} reported on {record_noun(title)}"
    return f"{lead}, a report described {record_noun(title)}"


_LOOSE_VERBS = _REPORT_VERBS | frozenset({"detained", "investigated", "extends", "raided", "seized", "dismissed"})
_NOT_BEFORE_VERB = frozenset({"after", "of", "to", "for", "by", "with", "from"})
_PARTICIPLE_NEXT = frozenset({"at", "in", "on", "by", "from", "to", "for", "near", "over"})
_KEEP_CASE_ENDINGS = ("ian", "ese", "ish", "an")


def _lower_first(text: str) -> str:
    """Return ``text`` with its first word in lower case when it is plainly a common word ("Civil-society groups")."""
    first, _, rest = text.partition(" ")
    if not rest[:1].islower() or any(ch.isupper() for ch in first[1:]) or first.endswith(_KEEP_CASE_ENDINGS):
        return text
    if "-" not in first and not first.endswith("s") and first not in ("Investment", "Aluminium", "Aluminum"):
        return text
    return first[:1].lower() + text[1:]


@functools.lru_cache(maxsize=4096)
def _loose_clause(title: str) -> str | None:
    """Return a headline that is a sentence ("Civil-society groups questioned ...") as a clause, else None."""
    words = title.split()
    if words[0] == "No" and len(words) > 2 and words[2] in _LOOSE_VERBS:  # "No response reported to ..."
        return " ".join(["no", words[1], "was", *words[2:]])
    for i, w in enumerate(words[:16]):
        if w in _NOT_BEFORE_VERB:
            return None
        if i and w in _LOOSE_VERBS:
            if i + 1 < len(words) and words[i + 1] in _PARTICIPLE_NEXT:
                return None  # "Child labour reported at a mine": a participle, not a verb
            first = words[0]
            if first.isupper() and len(words) > 1 and words[1][:1].islower():
                return f"{_indefinite(first)} {title}"  # "a US federal raid ... detained ..."
            return _lower_first(title)
    return None


def _clause_noun(clause: str) -> str:
    """Return a clause as a noun phrase: 'the BHRRC report that linked ...', never 'the report that a ... report'."""
    words = clause.split()
    if clause.startswith("a report said that "):
        return "the report that " + clause[len("a report said that ") :]
    if clause.startswith("there were reports "):
        return "the reports " + clause[len("there were reports ") :]
    # "a BHRRC report linked ...", "reports alleged ...", "a Reuters investigation found ...": the
    # subject is itself a report, so the verb joins it ("the BHRRC report that linked ...").
    for i, w in enumerate(words[:8]):
        if w in _REPORT_NOUNS and i + 1 < len(words) and words[i + 1] in _REPORT_VERBS:
            head = words[1 : i + 1] if words[0] in ("a", "an") else words[: i + 1]
            return " ".join(["the", *head, "that", *words[i + 1 :]])
    return "the report that " + clause


@functools.lru_cache(maxsize=4096)
def record_noun(title: str) -> str:
    """Return a record's title as a noun phrase in running prose, never quoted.

    A headline that is a sentence becomes "the report that ..."; a noun phrase gets "the"
    when it starts with a common word or an acronym ("the IF Metall strike ..."); a name
    stays as it is ("Climate Rights International's ... report").
    """
    title = " ".join(title.split()).rstrip(". ")
    clause = _as_clause(title) or _loose_clause(title)
    if clause is not None:
        return _clause_noun(clause)
    first, _, rest = title.partition(" ")
    if rest[:1].islower() and first[1:].islower() and not first.endswith(_KEEP_CASE_ENDINGS):
        return "the " + first[:1].lower() + title[1:]  # "River pollution at ..." -> "the river pollution at ..."
    if first.isupper() and len(first) > 1:
        return "the " + title
    return title


def record_sentence(title: str, when: PartialDate, summary: str | None = None) -> str:
    """Return one sentence of our prose describing a record: its summary's first sentence, else its title and date.

    A summary's first sentence is used when it reads as one (40-320 characters); otherwise a
    title that is a clause reads "In July 2024, civil-society groups questioned ...", and any
    other title "<Title> (July 2024)." Never in quotation marks.
    """
    first = first_sentence(summary) if summary else ""
    if 40 <= len(first) <= 320:
        return first
    title = " ".join(title.split()).rstrip(". ")
    clause = _as_clause(title) or _loose_clause(title)
    lead = date_phrase(when)
    if clause is not None:
        return f"{lead[0].upper()}{lead[1:]}, {clause}."
    return f"{title[0].upper()}{title[1:]} ({month_year(when)})."


_ABBREVIATIONS = ("U.S.", "U.K.", "St.", "No.", "Inc.", "Co.", "Ltd.", "Corp.", "e.g.", "i.e.", "approx.", "Mr.", "Dr.")
_SENTENCE_END = re.compile(r"[.!?]\)?(?=\s+[A-Z0-9\"\u201c(])")


def first_sentence(text: str) -> str:
    """Return the first sentence of ``text`` (on one line), skipping abbreviations and initials."""
    text = " ".join(text.split())
    for m in _SENTENCE_END.finditer(text):
        head = text[: m.end()]
        last = head.rsplit(" ", 1)[-1]
        if last in _ABBREVIATIONS or re.fullmatch(r"\(?[A-Z]\.", last):
            continue
        return head
    return text
