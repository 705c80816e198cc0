"""The ledger is append-only: PostgreSQL refuses UPDATE and DELETE of a movement row, so
history cannot be rewritten even by code that bypasses the services. (TRUNCATE, used by
test teardown and deliberate resets, is not a row operation and is not blocked.)"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION inventory_stockmovement_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'stock movements are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER inventory_stockmovement_append_only
    BEFORE UPDATE OR DELETE ON inventory_stockmovement
    FOR EACH ROW EXECUTE FUNCTION inventory_stockmovement_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS inventory_stockmovement_append_only ON inventory_stockmovement;
DROP FUNCTION IF EXISTS inventory_stockmovement_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_stock_and_ledger")]

    operations = [migrations.RunPython(forwards, backwards)]
