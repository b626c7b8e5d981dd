"""On PostgreSQL a deposited snapshot is append-only at the database level: UPDATE and DELETE
on dossiers_depot raise (the model and queryset refuse them too)."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION dossiers_depot_immuable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'Un dépôt est figé : il ne peut être ni modifié ni supprimé.';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dossiers_depot_immuable
    BEFORE UPDATE OR DELETE ON dossiers_depot
    FOR EACH ROW EXECUTE FUNCTION dossiers_depot_immuable();
"""

DROP = """
DROP TRIGGER IF EXISTS dossiers_depot_immuable ON dossiers_depot;
DROP FUNCTION IF EXISTS dossiers_depot_immuable();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_pieces_jointes")]

    operations = [migrations.RunPython(forwards, backwards)]
