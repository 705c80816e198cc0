import pytest
from django.core.management import CommandError, call_command

from apps.catalog.models import ProductVariant
from apps.catalog.tests.factories import make_product
from apps.inventory.models import StockMovement
from apps.transfer.models import ImportJob
from apps.transfer.parsing import read_table
from apps.transfer.tests.conftest import csv_bytes, row

pytestmark = pytest.mark.django_db


def test_import_export_catalog_commands(store, other_store, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_bytes(csv_bytes([row("tee", "T-1", "3", on_hand="2")]))
    call_command("import_catalog", str(source), "--store", store.slug, "--dry-run")
    assert not ProductVariant.objects.exists()
    call_command("import_catalog", str(source), "--store", store.slug)
    assert ProductVariant.objects.get().stock.on_hand == 2
    make_product(other_store)
    out = tmp_path / "out.xlsx"
    call_command("export_catalog", "--store", store.slug, "--out", str(out))
    table = read_table(out.read_bytes(), name=out.name)
    exported = [dict(zip(table.headers, cells, strict=False)) for _n, cells in table.rows()]
    assert [(r["store"], r["handle"], r["sku"], r["on_hand"]) for r in exported] == [
        (store.slug, "tee", "T-1", "2")
    ]
    assert "1 rows written" in capsys.readouterr().out


def test_import_with_errors_exits_non_zero_and_reports_on_stderr(store, tmp_path, capsys):
    source = tmp_path / "in.csv"
    source.write_bytes(csv_bytes([row("tee", "T-1", "abc")]))
    with pytest.raises(CommandError) as caught:
        call_command("import_catalog", str(source), "--store", store.slug)
    assert caught.value.returncode == 1
    assert "row 2, column price: is not a number (value 'abc')" in capsys.readouterr().err
    assert not ProductVariant.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.csv", "--store", "north"], "Cannot read"),
        (["{garbage}", "--store", "north"], "does not look like"),
        (["{garbage}", "--store", "nowhere"], "No store"),
        (["{garbage}", "--store", ""], "slug of the target store"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(store, tmp_path, args, message):
    garbage = tmp_path / "g.csv"
    garbage.write_bytes(b"\x00\x00junk")
    args = [a.replace("{garbage}", str(garbage)) for a in args]
    with pytest.raises(CommandError, match=message):
        call_command("import_catalog", *args)


def test_export_orders_and_stock_commands(store, other_store, tmp_path):
    variant = make_product(store).variants.get()
    theirs = make_product(other_store).variants.get()
    call_command("export_orders", "--store", store.slug, "--out", str(tmp_path / "o.csv"))
    assert (tmp_path / "o.csv").read_text(encoding="utf-8-sig").startswith("store,number,")
    call_command("export_stock", "--store", store.slug, "--out", str(tmp_path / "s.csv"))
    stock = (tmp_path / "s.csv").read_text(encoding="utf-8-sig")
    assert variant.sku in stock and theirs.sku not in stock
    with pytest.raises(CommandError, match="format"):
        call_command("export_orders", "--out", str(tmp_path / "o.txt"))


def test_import_stock_command(store, tmp_path):
    variant = make_product(store).variants.get()
    source = tmp_path / "stock.csv"
    source.write_text(f"sku;on_hand\n{variant.sku};12\n", encoding="utf-8")
    call_command("import_stock", str(source), "--store", store.slug)
    variant.stock.refresh_from_db()
    assert variant.stock.on_hand == 12
    # Nobody is behind a command: neither the job nor its movement names a person.
    assert ImportJob.objects.get().created_by is None
    assert StockMovement.objects.get(stock__variant=variant).actor is None
