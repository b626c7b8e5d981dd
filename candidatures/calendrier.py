"""The calls of a programme's calendar (its file's ``campagnes``: the HOP'EN 2019 AMI), created
when the référentiel loads the programme (``programme_charge`` of
``hn.referentiel.chargement``). Each date names a calendar entry (``Echeance.code``), so the
date lives once, in the calendar."""

from django.dispatch import receiver

from candidatures.models import Campagne
from hn.referentiel.chargement import programme_charge
from hn.referentiel.models import Echeance


@receiver(programme_charge)
def creer_campagnes(sender, *, programme, data, chargeur, **kwargs):
    dates = dict(Echeance.objects.filter(programme=programme).values_list("code", "date"))
    for campagne in data.get("campagnes", []):
        chargeur.upsert(
            Campagne,
            {"programme": programme, "code": campagne["code"]},
            {
                "libelle": campagne["libelle"],
                **{champ: dates[code] for champ, code in campagne["dates"].items()},
                "premier_semestre": campagne["premier_semestre"],
                "dernier_semestre_prerequis": campagne["dernier_semestre_prerequis"],
                "dernier_semestre_cibles": campagne["dernier_semestre_cibles"],
                "source": campagne.get("source", ""),
            },
        )
