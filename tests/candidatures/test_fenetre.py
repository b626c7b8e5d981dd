"""The dates of a call for applications [SPEC §7; 003 §5.3.2], at their edges, in Paris time:
the window of the 2019 AMI (15/02/2019 → 30/06/2019, late until 31/12/2021), the ARS's answer
due 30/09/2019, the programmation due 30/08/2019, and a campaign opened through the API across
a leap day."""

import pytest

from candidatures.models import Campagne, Precandidature
from tests import factories as f
from tests.candidatures import aides as a
from tests.candidatures.aides import appel, le, url

pytestmark = pytest.mark.django_db

FENETRE = (
    "pré-candidatures du 15/02/2019 au 30/06/2019, puis candidatures tardives jusqu'au 31/12/2021"
)


def creer(client, etab, *jour):
    """POST precandidatures/ by the établissement's gestionnaire at a Paris date (and hour)."""
    with le(*jour):
        return appel(
            client,
            a.gestionnaire(etab),
            "post",
            url("precandidatures"),
            {"campagne": a.ami_2019().pk, "finess": etab.finess},
        )


@pytest.mark.parametrize(
    ("jour", "quand"),
    [((2019, 2, 14), "n'est pas encore ouvert"), ((2022, 1, 1), "est fermé")],
)
def test_outside_the_window_refused_with_the_dates(client, jour, quand):
    etab = a.etablissement()
    response = creer(client, etab, *jour)
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["detail"] == (
        f"L'appel « Appel à manifestation d’intérêt HOP’EN 2019 » {quand} : {FENETRE}."
    )
    assert set(body) == {"detail", "etat"}
    assert not Precandidature.objects.exists()


@pytest.mark.parametrize(
    ("jour", "tardive"),
    [
        ((2019, 2, 15, 0, 5), False),  # opening day, just after midnight in Paris
        ((2019, 6, 30, 23, 55), False),  # closing day, late evening
        ((2019, 7, 1, 0, 5), True),  # the day after: accepted, flagged late
        ((2021, 12, 31, 23, 55), True),  # last day of late applications
    ],
)
def test_inside_the_window_accepted_late_after_the_closing_day(client, jour, tardive):
    etab = a.etablissement()
    response = creer(client, etab, *jour)
    assert response.status_code == 201, response.content
    assert response.json()["etat"] == "brouillon"
    assert response.json()["tardive"] is tardive
    assert Precandidature.objects.get().tardive is tardive


def test_paris_date_decides_not_utc(client):
    """30/06/2019 22:30 UTC is already 01/07 in Paris: late."""
    import datetime as dt

    import time_machine

    etab = a.etablissement()
    with time_machine.travel(dt.datetime(2019, 6, 30, 22, 30, tzinfo=dt.UTC), tick=False):
        response = appel(
            client,
            a.gestionnaire(etab),
            "post",
            url("precandidatures"),
            {"campagne": a.ami_2019().pk, "finess": etab.finess},
        )
    assert response.status_code == 201
    assert response.json()["tardive"] is True


def transmettre(client, pc, *jour):
    with le(*jour):
        return appel(
            client, pc.cree_par, "post", url("precandidatures", pc.pk, "transitions", "transmettre")
        )


@pytest.mark.parametrize(("jour", "tardive"), [((2019, 6, 30), False), ((2019, 7, 1), True)])
def test_transmission_after_the_closing_date_flags_it_late(client, jour, tardive):
    pc = a.brouillon(jour=(2019, 6, 1), donnees=a.COMPLETE)
    assert pc.tardive is False
    response = transmettre(client, pc, *jour)
    assert response.status_code == 200, response.content
    assert response.json()["etat"] == "transmise"
    assert response.json()["tardive"] is tardive


def test_transmission_after_the_late_date_refused(client):
    pc = a.brouillon(jour=(2021, 12, 1), donnees=a.COMPLETE)
    response = transmettre(client, pc, 2022, 1, 1)
    assert response.status_code == 409
    assert response.json()["etat"] == "brouillon"
    assert FENETRE in response.json()["detail"]
    pc.refresh_from_db()
    assert (pc.etat, pc.transmise_le) == ("brouillon", None)


@pytest.mark.parametrize(("jour", "en_retard"), [((2019, 9, 30), False), ((2019, 10, 1), True)])
@pytest.mark.parametrize("transition", ["preselectionner", "rejeter"])
def test_answer_after_the_answer_date_is_flagged(client, jour, en_retard, transition):
    pc = a.transmise()
    with le(*jour):
        response = appel(
            client,
            a.valideur(),
            "post",
            url("precandidatures", pc.pk, "transitions", transition),
            {"commentaire": "Projet cohérent avec la programmation régionale."},
        )
    assert response.status_code == 200, response.content
    assert response.json()["reponse_tardive"] is en_retard
    pc.refresh_from_db()
    assert pc.reponse_tardive is en_retard


@pytest.mark.parametrize(("jour", "en_retard"), [((2019, 8, 30), False), ((2019, 8, 31), True)])
def test_programmation_transmitted_after_its_due_date_is_late(client, jour, en_retard):
    a.preselectionnee(a.etablissement())
    ami = a.ami_2019()
    with le(*jour, 23, 30):
        response = appel(
            client, a.valideur(), "post", url("programmations", ami.pk, "84", "transmettre")
        )
    assert response.status_code == 201, response.content
    (version,) = response.json()["versions"]
    assert version["en_retard"] is en_retard
    assert version["rang"] == 1
    # Paris time, with its summer offset, as the rest of the API writes times.
    assert version["transmise_le"] == f"{jour[0]}-{jour[1]:02d}-{jour[2]:02d}T23:30:00+02:00"


# --- a campaign opened through the API ----------------------------------------------------------

BISSEXTILE = {
    "programme": "HOPEN",
    "libelle": "Appel complémentaire 2028",
    "ouverture": "2028-01-15",
    "cloture": "2028-02-29",
    "programmation_avant": "2028-03-31",
    "reponse_avant": "2028-04-30",
    "tardives_jusqu_au": "2028-12-31",
}


def test_campaign_across_the_leap_day(client):
    pilote = f.pilote_national()
    response = appel(client, pilote, "post", url("campagnes"), BISSEXTILE)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in BISSEXTILE} == BISSEXTILE
    # Default semesters: from the opening's semester, over the 2019 AMI's spans [003 A5].
    assert (
        body["premier_semestre"],
        body["dernier_semestre_prerequis"],
        body["dernier_semestre_cibles"],
    ) == ("2028S1", "2030S1", "2031S2")
    campagne = Campagne.objects.get(pk=body["id"])
    assert campagne.cree_par == pilote
    listed = appel(client, a.gestionnaire(a.etablissement()), "get", url("campagnes")).json()
    assert [c["id"] for c in listed][:2] == [campagne.pk, a.ami_2019().pk]
    for jour, tardive in (((2028, 2, 29, 23, 55), False), ((2028, 3, 1, 0, 5), True)):
        etab = a.etablissement()
        with le(*jour):
            response = appel(
                client,
                a.gestionnaire(etab),
                "post",
                url("precandidatures"),
                {"campagne": campagne.pk, "finess": etab.finess},
            )
        assert response.status_code == 201, response.content
        assert response.json()["tardive"] is tardive
    with le(2028, 1, 14, 23, 55):
        response = appel(
            client,
            a.gestionnaire(etab := a.etablissement()),
            "post",
            url("precandidatures"),
            {"campagne": campagne.pk, "finess": etab.finess},
        )
    assert response.status_code == 409
    assert "du 15/01/2028 au 29/02/2028" in response.json()["detail"]


@pytest.mark.parametrize(
    ("changes", "champ"),
    [
        ({"cloture": "2028-01-15"}, "cloture"),  # closing on the opening day
        ({"cloture": "2028-01-14"}, "cloture"),
        ({"programmation_avant": "2028-02-28"}, "programmation_avant"),
        ({"reponse_avant": "2028-02-28"}, "reponse_avant"),
        ({"tardives_jusqu_au": "2028-02-28"}, "tardives_jusqu_au"),
        ({"cloture": "2027-02-29"}, "cloture"),  # no such day
    ],
)
def test_campaign_dates_out_of_order_refused(client, changes, champ):
    avant = Campagne.objects.count()
    response = appel(
        client, f.pilote_national(), "post", url("campagnes"), {**BISSEXTILE, **changes}
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "La campagne n'est pas ouverte : vérifiez les champs signalés."
    assert list(body["errors"]) == [champ]
    assert body["errors"][champ][0]
    assert Campagne.objects.count() == avant


@pytest.mark.parametrize("role", ["ars_valideur", "lecteur_national", "es_gestionnaire"])
def test_only_the_national_pilote_opens_a_campaign(client, role):
    user = {
        "ars_valideur": lambda: f.ars_valideur("84"),
        "lecteur_national": f.lecteur_national,
        "es_gestionnaire": lambda: a.gestionnaire(a.etablissement()),
    }[role]()
    avant = Campagne.objects.count()
    response = appel(client, user, "post", url("campagnes"), BISSEXTILE)
    assert response.status_code == 403
    assert response.json() == {"detail": "Seul le pilote national ouvre un appel à candidatures."}
    assert Campagne.objects.count() == avant
