"""The envelope ledger and the derogation decisions are append-only at the database level too
(PostgreSQL)."""

from django.db import migrations

from hn.db import ligne_immuable


class Migration(migrations.Migration):
    dependencies = [("enveloppes", "0003_grand_livre")]

    operations = [
        ligne_immuable(
            "enveloppes_mouvementenveloppe",
            "Le grand livre des enveloppes ne peut être ni modifié ni supprimé.",
        ),
        ligne_immuable(
            "enveloppes_decisionderogation",
            "Une décision de dérogation ne peut être ni modifiée ni supprimée.",
        ),
    ]
