"""The demo's cast and scenery: stores, catalogue themes, names and addresses.

Plain data; apps/demo/seeder.py turns it into rows with the domain's own rules.
"""

from dataclasses import dataclass

DEMO_PASSWORD = "nexus-demo"
CUSTOMER_DOMAIN = "shopper.example"


@dataclass(frozen=True)
class StoreSpec:
    name: str
    slug: str
    currency: str
    order_prefix: str
    theme: str
    shipping_flat_rate: str  # amounts as a person types them; apps/core/money.py reads them
    free_shipping_from: str | None
    city: str


NAMED_STORES = [
    StoreSpec(
        "Northwind Outfitters",
        "northwind-outfitters",
        "EUR",
        "NWO",
        "apparel",
        "4.90",
        "75.00",
        "Berlin",
    ),
    StoreSpec(
        "Blue Harbor Coffee Roasters",
        "blue-harbor-coffee",
        "USD",
        "BHC",
        "coffee",
        "5.99",
        "50.00",
        "Portland",
    ),
    StoreSpec(
        "Fjord & Pine Home", "fjord-pine-home", "SEK", "FJP", "home", "59.00", "800.00", "Bergen"
    ),
    StoreSpec(
        "Thames Paper Co.", "thames-paper", "GBP", "TPC", "stationery", "3.50", "40.00", "London"
    ),
    StoreSpec(
        "Maple Lane Books", "maple-lane-books", "CAD", "MLB", "books", "6.00", "60.00", "Toronto"
    ),
]
THEMES = ["apparel", "coffee", "home", "stationery", "books"]


def store_specs(count: int) -> list[StoreSpec]:
    specs = NAMED_STORES[:count]
    for n in range(len(specs) + 1, count + 1):
        theme = THEMES[n % len(THEMES)]
        specs.append(
            StoreSpec(
                f"Demo Store {n}",
                f"demo-store-{n}",
                "EUR",
                f"DS{n:04d}",
                theme,
                "4.90",
                "60.00",
                "Lyon",
            )
        )
    return specs


@dataclass(frozen=True)
class Theme:
    root: str
    subcategories: dict[str, list[str]]  # subcategory → product nouns
    adjectives: list[str]
    axes: list[tuple[str, list[str]]]  # variant options, e.g. ("Size", ["S", "M"])
    price_cents: tuple[int, int]
    untracked_values: frozenset[str] = frozenset()
    # What a variant weighs packed (grams): weight-banded shipping adds the cart's weight up.
    grams: tuple[int, int] = (100, 1000)


CATALOGUE: dict[str, Theme] = {
    "apparel": Theme(
        "Apparel",
        {
            "Tops": ["T-shirt", "Polo shirt", "Henley", "Linen shirt", "Tank top"],
            "Knitwear": ["Crew sweater", "Cardigan", "Turtleneck", "Zip hoodie"],
            "Outerwear": ["Rain jacket", "Parka", "Field jacket", "Gilet"],
            "Accessories": ["Beanie", "Scarf", "Canvas tote", "Wool socks"],
            "Kidswear": ["Kids' raincoat", "Baby bodysuit", "Kids' hoodie", "Mittens"],
        },
        ["Merino", "Organic cotton", "Heritage", "Everyday", "Alpine", "Harbour", "Recycled"],
        [("Size", ["S", "M", "L", "XL"]), ("Colour", ["Navy", "Oat", "Forest", "Charcoal"])],
        (1900, 18900),
        grams=(120, 1600),
    ),
    "coffee": Theme(
        "Coffee & Tea",
        {
            "Coffee beans": ["Espresso blend", "Single origin", "Decaf", "House roast"],
            "Tea": ["Sencha", "Earl Grey", "Rooibos", "Chai", "Oolong"],
            "Brewing gear": ["Pour-over kit", "French press", "Burr grinder", "Travel mug"],
        },
        ["Ethiopia", "Colombia", "Morning", "Midnight", "Harbor", "Sunrise", "Highland"],
        [("Weight", ["250 g", "500 g", "1 kg"]), ("Grind", ["Whole bean", "Filter", "Espresso"])],
        (900, 8900),
        grams=(260, 1900),
    ),
    "home": Theme(
        "Home",
        {
            "Kitchen": ["Chef's knife", "Cutting board", "Enamel pot", "Stoneware mug"],
            "Lighting": ["Table lamp", "Pendant light", "Candle holder", "Floor lamp"],
            "Textiles": ["Linen throw", "Wool blanket", "Cushion cover", "Bath towel"],
            "Cookbooks": [
                "Nordic baking book",
                "Fika cookbook",
                "Forager's guide",
                "Pickling handbook",
            ],
        },
        ["Nordic", "Oak", "Fjord", "Birch", "Pine", "Granite", "Coastal"],
        [("Colour", ["White", "Sand", "Slate", "Moss", "Rust"]), ("Size", ["Small", "Large"])],
        (14900, 249900),
        # Lamps, pots and blankets: the heavy store, whose freight is priced by weight.
        grams=(400, 14000),
    ),
    "stationery": Theme(
        "Stationery",
        {
            "Notebooks": ["Dot grid notebook", "Pocket journal", "Sketchbook", "Planner"],
            "Pens": ["Fountain pen", "Gel pen set", "Brass pencil", "Fineliner set"],
            "Desk": ["Desk pad", "Letter tray", "Bookends", "Pen pot"],
            "Maps & guides": ["City street map", "Walking guide", "Canal map", "Pocket atlas"],
        },
        ["Classic", "Thames", "Studio", "Archive", "Bloomsbury", "Field"],
        [("Colour", ["Black", "Navy", "Sage", "Terracotta"]), ("Ruling", ["Dotted", "Lined"])],
        (450, 6500),
        grams=(30, 900),
    ),
    "books": Theme(
        "Books",
        {
            "Fiction": ["The Quiet Harbour", "Winter Lanterns", "A Map of Rivers", "Salt Roads"],
            "Non-fiction": ["Bread at Home", "The Curious Garden", "Small Engines", "Night Sky"],
            "Children": ["Otto the Otter", "The Lost Kite", "Moon Boots", "Pip and the Bear"],
        },
        ["", "", "Illustrated:", "Collected:", "New edition:"],
        [("Format", ["Paperback", "Hardcover", "Large print", "E-book", "Audiobook"])],
        (999, 4500),
        frozenset({"E-book", "Audiobook"}),
        grams=(180, 1400),
    ),
}

# Variants per product, cycled: averages 3, so --products N gives about 3N variants a store.
VARIANT_COUNTS = (1, 2, 3, 3, 4, 3, 2, 4, 3, 5)

FIRST_NAMES = [
    "Ada", "Alan", "Grace", "Linus", "Margaret", "Tim", "Hedy", "Dennis", "Barbara", "Ken",
    "Frances", "Edsger", "Katherine", "Niklaus", "Radia", "Guido", "Sophie", "Yukihiro",
    "Anita", "Bjarne", "Elena", "Mateo", "Ingrid", "Olu", "Priya", "Lars", "Chloé", "Tomasz",
]  # fmt: skip
LAST_NAMES = [
    "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Berners-Lee", "Lamarr", "Ritchie",
    "Liskov", "Thompson", "Allen", "Dijkstra", "Johnson", "Wirth", "Perlman", "van Rossum",
    "Wilson", "Matsumoto", "Borg", "Stroustrup", "Nowak", "García", "Larsen", "Adeyemi",
]  # fmt: skip
STREETS = [
    "Analytical Row", "Harbour Street", "Mill Lane", "Station Road", "Kingsway", "Elm Avenue",
    "Canal Walk", "Orchard Close", "Market Square", "Bridge Street", "Church Lane",
]  # fmt: skip
CITIES = [
    ("London", "GB", "N1 9GU"), ("Manchester", "GB", "M1 1AE"), ("Berlin", "DE", "10115"),
    ("Paris", "FR", "75011"), ("Lyon", "FR", "69002"), ("Amsterdam", "NL", "1012 AB"),
    ("Stockholm", "SE", "111 20"), ("Oslo", "NO", "0150"), ("Portland", "US", "97205"),
    ("Boston", "US", "02116"), ("Toronto", "CA", "M5V 2T6"), ("Madrid", "ES", "28004"),
]  # fmt: skip
CUSTOMER_NOTES = [
    "Please leave the parcel with the neighbour.",
    "Gift — no invoice in the box, please.",
    "Ring twice, the bell is quiet.",
    "Deliver after 5 pm if possible.",
]


def staff_email(role: str, store_slug: str) -> str:
    return f"{role}.{store_slug}@nexus.local"
