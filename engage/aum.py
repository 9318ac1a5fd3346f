"""Assets under management as signatories print them ("USD 10 bn", "US$4.5 trillion"): parsed, checked and added up."""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["AUM_HINT", "combined_aum", "parse_aum"]

AUM_HINT = "a currency and an amount, e.g. 'USD 12 bn', 'EUR 250 m', 'US$4.5 trillion'"
_CURRENCIES = {"US$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}
_UNITS = {
    "": 1.0,
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
_AUM = re.compile(r"^\s*(US\$|\$|€|£|¥|[A-Z]{3})\s*(\d[\d,]*(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_aum(text: str) -> tuple[str, float] | None:
    """Return (currency code, amount) of an AUM as printed, or None when it is not 'CUR amount [unit]'."""
    m = _AUM.match(text)
    if m is None or m.group(3).lower() not in _UNITS:
        return None
    currency = _CURRENCIES.get(m.group(1), m.group(1))
    return currency, float(m.group(2).replace(",", "")) * _UNITS[m.group(3).lower()]


def _printed(currency: str, amount: float) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "bn"), (1e6, "m")):
        if amount >= size:
            return f"{currency} {amount / size:,.1f}".replace(".0", "") + f" {word}"
    return f"{currency} {amount:,.0f}"


def combined_aum(values: Sequence[str | None]) -> tuple[str, int] | None:
    """Return (the total as printed, how many signatories it counts), or None when none can be added.

    Only amounts in the most common currency among those given are added: engage converts no
    currency, so a total never mixes them.
    """
    parsed = [p for v in values if v and (p := parse_aum(v)) is not None]
    if not parsed:
        return None
    currencies = [c for c, _ in parsed]
    main = max(dict.fromkeys(currencies), key=currencies.count)
    amounts = [a for c, a in parsed if c == main]
    return _printed(main, sum(amounts)), len(amounts)
