from django.db import migrations

from hn.db import ligne_immuable


class Migration(migrations.Migration):
    dependencies = [("indicateurs", "0001_initial")]

    operations = [
        ligne_immuable(
            "indicateurs_rapportsuivi", "Un rapport de suivi déposé ne peut pas être modifié."
        ),
        ligne_immuable(
            "indicateurs_valeursuivi", "Un rapport de suivi déposé ne peut pas être modifié."
        ),
        ligne_immuable(
            "indicateurs_avancementsuivi", "Un rapport de suivi déposé ne peut pas être modifié."
        ),
    ]
