"""Deadlines of the contradictory phase (SPEC §8, §9): reminders 15 and 7 days before the ES's
answer is due, the expiry flagged the day after (ES and CMSI told), acted by the system,
idempotent, nothing once the ES has answered."""

import datetime as dt

import pytest

from audits.models import Audit
from hn.journal.models import SYSTEME, Evenement
from hn.notifications.models import Notification
from hn.taches.registre import REGISTRE, Bilan
from tests.audits.aides import contradictoire, poster, recharger
from tests.indicateurs import aides as a

pytestmark = pytest.mark.django_db

KINDS = ("rappel_contradictoire", "delai_contradictoire")


def balayer_le(*jour) -> dict:
    bilans = {}
    with a.le(*jour):
        for code in KINDS:
            bilans[code] = Bilan()
            REGISTRE[code].fonction(dt.date(*jour), bilans[code])
    return {code: b.as_dict() for code, b in bilans.items()}


def cles(prefixe):
    return sorted(
        (n.cle.split(":")[-1], n.destinataire.username)
        for n in Notification.objects.filter(cle__startswith=prefixe)
    )


def test_the_kinds_are_registered_with_the_sweep():
    assert set(KINDS) <= set(REGISTRE)


def test_reminders_then_expiry_each_once(client, monde):
    contradictoire(client, monde, (2023, 1, 31))  # answer due 28/02/2023
    gestionnaire = monde["gestionnaire"].username
    assert balayer_le(2023, 2, 12)["rappel_contradictoire"]["traites"] == 0
    for _ in range(2):
        balayer_le(2023, 2, 13)
    assert cles("rappel_contradictoire") == [("J-15", gestionnaire)]
    balayer_le(2023, 2, 21)
    balayer_le(2023, 2, 28)
    assert cles("rappel_contradictoire") == [("J-15", gestionnaire), ("J-7", gestionnaire)]
    assert balayer_le(2023, 2, 28)["delai_contradictoire"]["traites"] == 0
    assert recharger(monde["audit"]).delai_expire_le is None

    bilan = balayer_le(2023, 3, 1)["delai_contradictoire"]
    assert (bilan["traites"], bilan["erreurs"]) == (1, 0)
    assert recharger(monde["audit"]).delai_expire_le == dt.date(2023, 3, 1)
    trace = Evenement.objects.get(action="audit_delai_expire")
    assert (trace.acteur, trace.acteur_nom) == (None, SYSTEME)
    expire = Notification.objects.filter(titre__contains="délai de réponse expiré")
    assert {n.destinataire for n in expire} == {monde["gestionnaire"], monde["valideur"]}
    assert balayer_le(2023, 3, 2)["delai_contradictoire"]["traites"] == 0
    assert Evenement.objects.filter(action="audit_delai_expire").count() == 1
    assert recharger(monde["audit"]).etat == "contradictoire"  # the CMSI decides


def test_nothing_once_the_es_has_answered(client, monde):
    contradictoire(client, monde, (2023, 1, 31))
    r = poster(
        client,
        f"{monde['url']}transitions/repondre/",
        {"reponse": "Voir le procès-verbal joint."},
        monde["gestionnaire"],
    )
    assert r.status_code == 200
    balayer_le(2023, 2, 13)
    balayer_le(2023, 3, 1)
    assert cles("rappel_contradictoire") == []
    assert Audit.objects.get(pk=monde["audit"].pk).delai_expire_le is None
