"""The trace is append-only at the database level too (PostgreSQL)."""

from django.db import migrations

from hn.db import ligne_immuable


class Migration(migrations.Migration):
    dependencies = [("journal", "0002_initial")]

    operations = [
        ligne_immuable("journal_evenement", "Le journal ne peut être ni modifié ni supprimé.")
    ]
