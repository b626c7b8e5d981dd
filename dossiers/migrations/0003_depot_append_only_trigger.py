"""A deposited snapshot is append-only at the database level too (PostgreSQL)."""

from django.db import migrations

from hn.db import ligne_immuable


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0002_pieces_jointes")]

    operations = [
        ligne_immuable(
            "dossiers_depot", "Un dépôt est figé : il ne peut être ni modifié ni supprimé."
        )
    ]
