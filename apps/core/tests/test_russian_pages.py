"""Every back-office page in Russian, with no English string of ours left on it (issue 16).

A platform operator and a store manager, each with the language switcher's cookie set to
Russian, open the dashboard, every registered admin model's list, add form and first object,
orders in every after-sale state (shipments, returns, payments), the fulfilment queue, the
stock desk and the import and export pages; the sign-in, password-reset and invitation pages
are read signed out.

The judge is our own catalogue, locale/ru/LC_MESSAGES/django.po: a msgid whose Russian
differs from it — or that has none yet, or only a fuzzy one, which gettext does not use — must
not appear in what a person reads: the text, a chart's labels, and the title, placeholder,
aria-label, alt and confirmation attributes. A one-word msgid counts only as a whole text
("Refund", not the "refund" inside a product's name); a longer one anywhere; a placeholder
matches any text.
"""

import ast
import io
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from apps.orders.models import Order, ReturnStatus, ShipmentStatus
from apps.orders.statuses import FulfilmentStatus, PaymentStatus
from apps.orders.transitions import OrderStatus
from apps.stores.models import Store
from apps.stores.roles import Role
from apps.stores.scoping import SYSTEM, store_ids_for
from apps.stores.services import invitation_create
from apps.transfer.models import ExportJob, ImportJob
from apps.transfer.services.export_jobs import export_job_create
from apps.transfer.services.import_jobs import import_job_create
from apps.transfer.tests.conftest import csv_bytes, row
from apps.users.models import User

pytestmark = pytest.mark.django_db

PO_FILE = settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
# What a person reads besides the text: hints, labels for screen readers, confirmations.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt", "hx-confirm"}
# The same in both languages by nature: a language's own name, the product's.
PROPER_NOUNS = {"English", "Nexus"}
# Ends of a text that are not part of a word: "· delivered", "Reason:".
TRIM = " \u00a0·:;,|—–-()"
# Django stores a permission's name in English ("orders | order line | Can add order line").
PERMISSION = re.compile(r" \| Can (add|change|delete|view) ")
# Sentences an import stores when it checks a file, in the worker's language, and its pages
# show as stored (not yet data read in the reader's language, as the timeline is): known.
STORED_IN_ENGLISH = {
    "/admin/transfer/importjob/": {
        "This does not look like a CSV or XLSX file. Save it as CSV (UTF-8) or XLSX.",
        "Row %(row)s: new variant %(sku)s of %(handle)s at %(price)s",
        "is not a number",
    },
}


@dataclass(frozen=True)
class Needle:
    msgid: str
    pattern: re.Pattern
    one_word: bool  # it counts only as a whole text: "Refund", not "No refund here"
    hint: str  # its longest fixed part: a page without it needs no regular expression

    def found_in(self, texts: set[str], page: str) -> bool:
        if self.hint not in page:
            return False
        if self.one_word:
            return any(self.pattern.fullmatch(text) for text in texts)
        return self.pattern.search(page) is not None


def _po_entries(text: str):
    """(fields, fuzzy) per entry of a .po file, its quoted strings joined and unescaped."""
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        key = None
        fuzzy = False
        for line in block.splitlines():
            if line.startswith("#,"):
                fuzzy = fuzzy or "fuzzy" in line
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
            elif line and not line.startswith("#"):
                key, _sep, quoted = line.partition(" ")
                fields[key] = ast.literal_eval(quoted)
        if fields.get("msgid"):
            yield fields, fuzzy


def _needle(english: str) -> Needle | None:
    text = " ".join(re.sub(r"<[^>]+>", " ", english).split())
    literal = PLACEHOLDER.sub("", text).strip(TRIM)
    if len(re.sub(r"[^A-Za-z]", "", literal)) < 4 or literal in PROPER_NOUNS:
        return None
    chunks = PLACEHOLDER.split(text)
    # A value (a number, an amount, a name) is short: a placeholder spans no paragraph.
    pattern = ".{1,80}?".join(re.escape(chunk) for chunk in chunks)
    one_word = " " not in literal
    if not one_word and text[0].isalnum():
        pattern = r"(?<!\w)" + pattern
    if not one_word and text[-1].isalnum():
        pattern += r"(?!\w)"
    return Needle(english, re.compile(pattern), one_word, max(chunks, key=len).strip())


def needles() -> list[Needle]:
    """Every English text of ours that a Russian page must not show."""
    found = []
    for fields, fuzzy in _po_entries(PO_FILE.read_text(encoding="utf-8")):
        russian = [value for key, value in fields.items() if key.startswith("msgstr")]
        english = [fields["msgid"], fields.get("msgid_plural", "")]
        if not fuzzy and all(russian) and russian[0] == english[0]:
            continue  # the same words in both languages
        found += [needle for text in english if text and (needle := _needle(text))]
    return found


class PageText(HTMLParser):
    """The texts a person reads on a page: text nodes, the attributes in READ_ATTRIBUTES, the
    labels of a chart. Not scripts and styles, nor identifiers (<code>: a file's column
    names, SKUs) and icons (a Material Symbols ligature: "category", "warning")."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._hidden: list[str] = []  # the open elements whose text is not read

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("script", "style", "code") or "material-symbols" in (values.get("class") or ""):
            self._hidden.append(tag)
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(value)
            elif name == "data-value" and tag == "canvas":
                self.texts += _chart_labels(json.loads(value))

    def handle_endtag(self, tag):
        if self._hidden and self._hidden[-1] == tag:
            self._hidden.pop()

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.texts.append(data)


def _chart_labels(chart: dict) -> list[str]:
    return [*chart.get("labels", []), *(d.get("label", "") for d in chart.get("datasets", []))]


def english_left(html: str, found: list[Needle]) -> list[str]:
    parser = PageText()
    parser.feed(html)
    texts = [" ".join(text.split()) for text in parser.texts if not PERMISSION.search(text)]
    whole = {text.strip(TRIM) for text in texts}
    page = " ".join(texts)  # as it reads: a sentence may run through a <strong> or a link
    return sorted({needle.msgid for needle in found if needle.found_in(whole, page)})


class Reader:
    """One person's client in Russian; what each page they open still says in English."""

    def __init__(self, user: User | None, found: list[Needle]):
        self.client = Client()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
        if user is not None:
            self.client.force_login(user)
        self.needles = found
        self.english: dict[str, list[str]] = {}  # msgid → the pages that show it
        self.pages = 0

    def read(self, url: str, expect=(200, 403)):
        response = self.client.get(url, follow=True)
        assert response.status_code in expect, (url, response.status_code)
        assert response["Content-Language"] == "ru", url
        self.pages += 1
        known = {
            msgid for page, msgids in STORED_IN_ENGLISH.items() if page in url for msgid in msgids
        }
        for msgid in english_left(response.content.decode(), self.needles):
            if msgid not in known:
                self.english.setdefault(msgid, []).append(url)
        return response

    def report(self) -> str:
        return "English left on Russian pages:\n" + "\n".join(
            f"{msgid!r} on {len(urls)} page(s): {', '.join(urls[:3])}"
            for msgid, urls in sorted(self.english.items())
        )

    def read_admin(self) -> None:
        """Every model of ours: its list, its add form and its first listed object. (Other
        projects' models — sign-in attempts, API tokens, task results — speak their words.)"""
        for model in admin.site._registry:
            if not model.__module__.startswith("apps."):
                continue
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
            listing = self.read(reverse(f"{name}_changelist"))
            self.read(reverse(f"{name}_add"))
            shown = listing.context and listing.context.get("cl")
            if listing.status_code == 200 and shown and shown.result_list:
                first = shown.result_list[0]
                self.read(reverse(f"{name}_change", args=[quote(first.pk)]))


def orders_in_every_state(user: User) -> list[int]:
    """One order of `user`'s stores per order, fulfilment, payment, return and shipment
    status."""
    store_ids = store_ids_for(user)
    orders = Order.objects.all() if store_ids is None else Order.objects.filter(store__in=store_ids)
    states = {
        "status": OrderStatus.values,
        "fulfilment_status": FulfilmentStatus.values,
        "payment_status": PaymentStatus.values,
        "returns__status": ReturnStatus.values,
        "shipments__status": ShipmentStatus.values,
    }
    picked = {
        orders.filter(**{field: value}).values_list("pk", flat=True).first()
        for field, values in states.items()
        for value in values
    }
    return sorted(pk for pk in picked if pk is not None)


def seed_world() -> None:
    """The demo's stores (orders in every state), and import and export jobs written as the
    background worker writes them: outside any request, in the default language."""
    call_command("seed_demo", stdout=io.StringIO(), stores=2, products=3, orders=44)
    # The demo names its staff after their role, in English: data, not our text.
    User.objects.filter(last_name__in=Role.labels).update(last_name="Demo")
    for store in Store.objects.all():
        for name, content in (
            ("errors.csv", csv_bytes([row("tee", "TEE-1", "=1+1")])),
            ("catalog.csv", csv_bytes([row("tee", "TEE-1", "5.00", on_hand="3")])),
            ("broken.csv", b"\x00\x01\x02garbage" * 100),
        ):
            import_job_create(actor=SYSTEM, store=store, kind="catalog", name=name, content=content)


def transfer_pages(user: User) -> list[str]:
    export_job_create(user=user, kind="orders", file_format="csv")
    pages = [reverse("admin:transfer_importjob_new"), reverse("admin:transfer_exportjob_new")]
    store_ids = store_ids_for(user)
    imports = ImportJob.objects.all()
    if store_ids is not None:
        imports = imports.filter(store__in=store_ids)
    pages += [reverse("admin:transfer_importjob_job", args=[job.pk]) for job in imports]
    exports = ExportJob.objects.filter(created_by=user)
    return pages + [reverse("admin:transfer_exportjob_job", args=[job.pk]) for job in exports]


def read_back_office(user: User) -> Reader:
    reader = Reader(user, needles())
    reader.read(reverse("admin:index"))
    reader.read_admin()
    orders = orders_in_every_state(user)
    for pk in orders:
        reader.read(reverse("admin:orders_order_change", args=[pk]))
    reader.read(reverse("admin:orders_order_history", args=[orders[-1]]))
    reader.read("/admin/orders/order/queue/")
    reader.read("/admin/inventory/stock/desk/")
    sku = Order.objects.filter(pk=orders[-1]).values_list("lines__sku", flat=True).first()
    reader.read(f"/admin/inventory/stock/desk/?q={sku}")
    for url in transfer_pages(user):
        reader.read(url)
    reader.read("/admin/no-such-page/", expect=(404,))
    return reader


def staff(role: str) -> User:
    if role == "operator":
        return User.objects.create_superuser(email="operator@nexus.local", password="pw-8x!kq2")
    return User.objects.filter(memberships__role=role).order_by("pk").first()


@pytest.mark.parametrize("role", ["operator", Role.MANAGER])
def test_every_back_office_page_reads_in_russian(role):
    seed_world()
    reader = read_back_office(staff(role))
    assert reader.pages > 40
    if reader.english:
        pytest.fail(reader.report(), pytrace=False)


def test_the_signed_out_pages_read_in_russian(django_capture_on_commit_callbacks):
    seed_world()
    store = Store.objects.first()
    owner = User.objects.filter(memberships__store=store, memberships__role=Role.OWNER).get()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            store=store,
            email="new.clerk@example.com",
            role=Role.CLERK,
            actor=owner,
            link_base="http://testserver/",
        )
    link = re.search(r"http://testserver(/invitations/\S+)", mail.outbox[-1].body).group(1)
    reader = Reader(None, needles())
    for url in ("/admin/login/", "/admin/password_reset/", "/admin/password_reset/done/", link):
        reader.read(url, expect=(200,))
    if reader.english:
        pytest.fail(reader.report(), pytrace=False)


def test_the_check_sees_english():
    """The same pages in English are full of our msgids: the check is not blind."""
    seed_world()
    reader = Reader(staff(Role.MANAGER), needles())
    reader.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    order = orders_in_every_state(staff(Role.MANAGER))[-1]
    for url in (reverse("admin:index"), reverse("admin:orders_order_change", args=[order])):
        response = reader.client.get(url)
        assert len(english_left(response.content.decode(), reader.needles)) > 20, url
    assert _needle("Shipment %(shipment)s: %(items)s.").pattern.search("Shipment A-1: 1 × B.")
    assert english_left("<p>Refund</p><p>No refund here</p>", [_needle("Refund")]) == ["Refund"]
