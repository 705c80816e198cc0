"""The timeline's words, written as data and read in the reader's language.

An event stores what happened as parts — a kind from TEXTS and its values (numbers, SKUs,
amounts with their currency) — and, apart, whatever a person typed (a note, a reason). Reading
it renders each part through gettext and the money formatter in the language of whoever reads
it, so a Russian manager and an English clerk each read the same event in their own.
Events written before parts existed keep their stored sentence.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.core.money import display_money

Part = list[Any]  # [kind, {name: value}], as JSON keeps it

TEXTS = {
    "confirmed_automatically": _("Confirmed automatically."),
    "stock_released": _("Allocated stock released."),
    "cancelled_by_customer": _("Cancelled by the customer."),
    "shipment_created": _("Shipment %(shipment)s: %(items)s."),
    "tracking": _("%(carrier)s tracking number: %(tracking)s."),
    "shipped_unpaid": _("Shipped unpaid, by a manager's decision: %(reason)s"),
    "shipment_cancelled": _("Shipment %(shipment)s cancelled: %(items)s back in stock."),
    "shipment_delivered": _("Shipment %(shipment)s delivered."),
    "return_requested": _("Return %(return)s requested: %(items)s."),
    "return_received": _("Return %(return)s received: %(items)s."),
    "return_closed_refunded": _("Return %(return)s closed, refunded."),
    "return_closed_not_refunded": _("Return %(return)s closed, not refunded."),
    "return_declined": _("Return %(return)s declined, never received."),
    "payment": _("%(kind)s: %(amount)s."),
    "payment_details": _("Reference: %(details)s."),
    "refunded_lines": _("For %(items)s."),
    "for_return": _("Return %(return)s."),
    "quantity_changed": _("%(sku)s: %(before)s → %(after)s."),
    "line_removed": _("%(sku)s removed (%(before)s)."),
    "line_added": _("%(sku)s added (%(after)s)."),
    "total_changed": _("Total %(before)s → %(after)s."),
    "balance_due": _("Due: %(amount)s."),
    "balance_to_refund": _("To refund: %(amount)s."),
    "address_changed": _("Shipping address: %(before)s → %(after)s."),
}

# Words the parts' values are made of, translated when read.
VALUE_WORDS = {
    "restock": _("restocked"),
    "write_off": _("written off"),
    "damaged": _("damaged"),
    "wrong_item": _("wrong item"),
    "changed_mind": _("changed mind"),
    "other": _("other"),
    "authorisation": _("Authorisation"),
    "capture": _("Capture"),
    "refund": _("Refund"),
    "void": _("Void"),
}


def part(text: str, /, **values: Any) -> Part:
    if text not in TEXTS:
        raise ValueError(f"no timeline text {text!r}")
    return [text, values]


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount}", "currency": currency}


def items(pairs: Iterable[tuple[int, str]], note_by_sku: Mapping[str, str] | None = None) -> list:
    """(quantity, sku) pairs, each with an optional word (a reason, a decision) to translate."""
    note_by_sku = note_by_sku or {}
    return [[quantity, sku, note_by_sku.get(sku, "")] for quantity, sku in pairs]


def _value(name: str, value: Any) -> str:
    if isinstance(value, dict) and "currency" in value:
        return display_money(Decimal(value["amount"]), value["currency"])
    if name == "items":
        return ", ".join(_item(entry) for entry in value)
    if name == "kind" or (isinstance(value, str) and value in VALUE_WORDS):
        return str(VALUE_WORDS.get(value, value))
    return str(value)


def _item(entry: list) -> str:
    quantity, sku, word = entry
    text = f"{quantity} × {sku}"
    return f"{text} ({VALUE_WORDS.get(word, word)})" if word else text


def render_parts(parts: Iterable[Part]) -> str:
    rendered = []
    for kind, values in parts:
        if kind == "placed":
            rendered.append(_placed(values))
            continue
        text = TEXTS.get(kind)
        if text is None:
            continue
        rendered.append(str(text) % {name: _value(name, v) for name, v in values.items()})
    return " ".join(rendered)


def _placed(values: Mapping[str, Any]) -> str:
    lines = values["lines"]
    return ngettext(
        "Order placed: %(lines)s line, total %(total)s.",
        "Order placed: %(lines)s lines, total %(total)s.",
        lines,
    ) % {"lines": lines, "total": _value("total", values["total"])}


def placed_part(*, line_count: int, total: Decimal, currency: str) -> Part:
    return ["placed", {"lines": line_count, "total": money(total, currency)}]
