"""The demo stores' checkout as their owners would set it up: shipping methods beside the
standard one, tax rates for the countries their customers live in (apps/demo/data.py CITIES:
GB, DE, FR, NL, SE, NO, US, CA, ES) and discount codes.

Plain data; apps/demo/checkout.py writes it and lets the seeded orders use it. Amounts are
typed as a person types them, in the store's currency; windows are days from the seeding.

The taxes follow each store's home: the European stores show prices with VAT and charge the
destination's rate (EU sellers collect other EU countries' VAT through the OSS, and British and
Norwegian VAT on small parcels through the UK's and Norway's low-value schemes); exports to
North America carry none. The North American stores show prices before tax, as shoppers there
expect. Each store has one reduced rate for a category its goods really have.
"""

from dataclasses import dataclass, field

from apps.checkout.models import DiscountKind
from apps.stores.models import Store

PERCENTAGE, FIXED = DiscountKind.PERCENTAGE, DiscountKind.FIXED


@dataclass(frozen=True)
class MethodSpec:
    name: str
    price: str
    free_from: str | None = None
    countries: tuple[str, ...] = ()  # empty: everywhere
    bands: tuple[tuple[int, str], ...] = ()  # (up to grams, price): priced by weight
    share: int = 0  # in 100 orders it can carry, how many choose it over the standard one


@dataclass(frozen=True)
class CodeSpec:
    code: str
    kind: str
    value: str
    free_shipping: bool = False
    min_subtotal: str | None = None
    window: tuple[int | None, int | None] = (None, None)  # (starts, ends) in days from now
    usage_limit: int | None = None
    once_per_customer: bool = False
    category: str | None = None  # a subcategory of the store's theme: its products only
    share: int = 10  # weight among the codes an order could use


@dataclass(frozen=True)
class CheckoutSpec:
    prices_include_tax: bool
    tax_rounding: str
    rates: dict[str, str]  # country → percent
    reduced: tuple[str, dict[str, str]]  # (subcategory, country → percent)
    methods: tuple[MethodSpec, ...]  # besides the StoreSpec's standard shipping
    codes: tuple[CodeSpec, ...] = field(default=())


# A code in about one order in this many: enough to show on the dashboard and the code list.
CODE_EVERY = 4
# VAT of the stores in Europe, by destination (standard rates).
EUROPE = {"DE": "19", "FR": "20", "NL": "21", "ES": "21", "SE": "25", "GB": "20", "NO": "25"}
EXPORTS = {"US": "0", "CA": "0"}
# Printed books and maps: reduced almost everywhere, zero-rated in Britain and Norway.
PRINTED = {"DE": "7", "FR": "5.5", "NL": "9", "ES": "4", "SE": "6", "GB": "0", "NO": "0"}


def codes(unit: int, category: str) -> tuple[CodeSpec, ...]:
    """The demo's codes, amounts in `unit`s of the store's currency (1 EUR, 10 SEK)."""

    def amount(value: int) -> str:
        return str(value * unit)

    return (
        CodeSpec("WELCOME10", PERCENTAGE, "10", once_per_customer=True, share=30),
        CodeSpec("SEASON15", PERCENTAGE, "15", category=category, window=(-90, 60), share=20),
        CodeSpec("TENOFF", FIXED, amount(10), min_subtotal=amount(60), share=20),
        CodeSpec("FREESHIP", FIXED, "0", free_shipping=True, min_subtotal=amount(25), share=20),
        # The first few orders of the year took them all.
        CodeSpec("LAUNCH20", PERCENTAGE, "20", usage_limit=6, window=(-400, None), share=10),
        CodeSpec("SUMMER25", PERCENTAGE, "25", window=(-200, -110), share=150),
        CodeSpec("BLACKFRIDAY", PERCENTAGE, "30", window=(20, 24), share=10),
    )


CHECKOUT: dict[str, CheckoutSpec] = {
    "northwind-outfitters": CheckoutSpec(
        prices_include_tax=True,
        tax_rounding=Store.TaxRounding.PER_LINE,
        rates={**EUROPE, **EXPORTS},
        # Children's clothes are zero-rated in Britain.
        reduced=("Kidswear", {"GB": "0"}),
        methods=(
            MethodSpec("Express", "12.90", countries=("DE", "FR", "NL", "ES"), share=20),
            MethodSpec("Click & collect Berlin", "0.00", countries=("DE",), share=15),
        ),
        codes=codes(1, "Knitwear"),
    ),
    "blue-harbor-coffee": CheckoutSpec(
        prices_include_tax=False,
        tax_rounding=Store.TaxRounding.PER_ORDER,
        # A sales tax in the US (one rate for the demo's one country row), GST in Canada.
        rates={"US": "7", "CA": "5"},
        # Groceries, coffee beans among them, are exempt in most states and zero-rated in Canada.
        reduced=("Coffee beans", {"US": "0", "CA": "0"}),
        methods=(MethodSpec("Priority", "14.99", countries=("US", "CA"), share=25),),
        codes=codes(1, "Brewing gear"),
    ),
    "fjord-pine-home": CheckoutSpec(
        prices_include_tax=True,
        tax_rounding=Store.TaxRounding.PER_ORDER,
        rates={**EUROPE, **EXPORTS},
        reduced=("Cookbooks", PRINTED),
        methods=(
            MethodSpec("Express", "149.00", countries=("SE", "NO"), share=15),
            # Furniture-sized parcels by haulier, priced by weight; nothing over 60 kg.
            MethodSpec(
                "Freight",
                "0.00",
                countries=("SE", "NO", "DE", "NL"),
                bands=((10_000, "199.00"), (30_000, "449.00"), (60_000, "799.00")),
                share=30,
            ),
        ),
        codes=codes(10, "Lighting"),
    ),
    "thames-paper": CheckoutSpec(
        prices_include_tax=True,
        tax_rounding=Store.TaxRounding.PER_LINE,
        rates={**EUROPE, **EXPORTS},
        reduced=("Maps & guides", PRINTED),
        methods=(
            MethodSpec("Next day", "6.95", countries=("GB",), share=20),
            MethodSpec("Collect in store", "0.00", countries=("GB",), share=10),
        ),
        codes=codes(1, "Pens"),
    ),
    "maple-lane-books": CheckoutSpec(
        prices_include_tax=False,
        tax_rounding=Store.TaxRounding.PER_LINE,
        rates={"CA": "13", "US": "0"},
        # Ontario's point-of-sale rebate: printed children's books carry the GST only.
        reduced=("Children", {"CA": "5"}),
        methods=(MethodSpec("Expedited", "14.00", countries=("CA", "US"), share=20),),
        codes=codes(1, "Fiction"),
    ),
}

# The generated stores (--stores above five) are in Lyon and sell as the European ones do.
REDUCED_BY_THEME = {
    "apparel": ("Kidswear", {"GB": "0"}),
    "coffee": ("Coffee beans", {"DE": "7", "FR": "5.5", "NL": "9", "ES": "10", "GB": "0"}),
    "home": ("Cookbooks", PRINTED),
    "stationery": ("Maps & guides", PRINTED),
    "books": ("Children", PRINTED),
}
SALE_CATEGORY_BY_THEME = {
    "apparel": "Knitwear",
    "coffee": "Brewing gear",
    "home": "Lighting",
    "stationery": "Pens",
    "books": "Fiction",
}


def checkout_spec(slug: str, theme: str) -> CheckoutSpec:
    if slug in CHECKOUT:
        return CHECKOUT[slug]
    return CheckoutSpec(
        prices_include_tax=True,
        tax_rounding=Store.TaxRounding.PER_LINE,
        rates={**EUROPE, **EXPORTS},
        reduced=REDUCED_BY_THEME[theme],
        methods=(MethodSpec("Express", "9.90", countries=("FR", "DE", "NL", "ES"), share=20),),
        codes=codes(1, SALE_CATEGORY_BY_THEME[theme]),
    )
