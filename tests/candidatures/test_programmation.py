"""The regional programmation pluriannuelle through the API [SPEC §7; 003 §5.3.2]: its lines
(the pre-selected domaines, sorted by FINESS then domaine, the forfait rule, 20 % amorçage by
default), totals to the euro, the CMSI's edits, the refusals over the envelope or its amorçage
ceiling (nothing written), dated numbered versions and who may do what."""

from decimal import Decimal as D

import pytest

from candidatures import actions
from candidatures.models import Ajustement, Version
from hn.journal.models import Evenement
from hn.notifications.models import Notification
from hn.referentiel import regles as forfaits
from hn.referentiel.models import Programme
from tests import factories as f
from tests.candidatures import aides as a
from tests.candidatures.aides import appel, le, url

pytestmark = pytest.mark.django_db

MAYOTTE = "06"  # HOP'EN envelope 718 000 €, amorçage ceiling 143 600 € [003 A2]


def retenue(region="84", domaines=(("D2", "2020S2"),), journees_mco=10_000):
    etab = a.etablissement(region=region, journees_mco=journees_mco)
    donnees = {**a.COMPLETE, "domaines": [{"code": c, "semestre_cibles": s} for c, s in domaines]}
    return a.preselectionnee(etab, donnees=donnees)


def lire(client, user, region="84"):
    return appel(client, user, "get", url("programmations", a.ami_2019().pk, region))


def modifier(client, user, lignes, region="84"):
    return appel(
        client, user, "patch", url("programmations", a.ami_2019().pk, region), {"lignes": lignes}
    )


def transmettre(client, user, region="84", jour=(2019, 8, 20)):
    with le(*jour):
        return appel(
            client, user, "post", url("programmations", a.ami_2019().pk, region, "transmettre")
        )


def ecrits():
    """What an edit or a transmission writes, to prove a refusal wrote nothing."""
    return (
        list(Ajustement.objects.values_list("etablissement_id", "domaine_id", "amorcage")),
        Version.objects.count(),
        Evenement.objects.filter(objet_type__contains="programmation").count(),
        Notification.objects.count(),
    )


def test_lines_and_totals_agree_with_the_forfait_rule_to_the_euro(client):
    un = retenue(domaines=(("D6", "2021S1"), ("D2", "2020S2")), journees_mco=10_000)
    deux = retenue(domaines=(("D1", "2022S2"),), journees_mco=250_000)
    a.transmise(a.etablissement())  # not pre-selected: not programmed
    rejetee = a.transmise(a.etablissement())
    with le(*a.AVANT_REPONSE):
        actions.rejeter(precandidature=rejetee, acting_user=a.valideur(), commentaire="Non.")
    response = lire(client, f.lecteur_national())
    assert response.status_code == 200, response.content
    body = response.json()
    attendu = sorted(
        [(un, "D2", "2020S2"), (un, "D6", "2021S1"), (deux, "D1", "2022S2")],
        key=lambda t: (t[0].etablissement.finess, t[1]),
    )
    assert [(lg["finess"], lg["domaine"], lg["semestre_cibles"]) for lg in body["lignes"]] == [
        (pc.etablissement.finess, code, sem) for pc, code, sem in attendu
    ]
    reg = Programme.objects.get(code="HOPEN").regles()
    for lg, (pc, code, _) in zip(body["lignes"], attendu, strict=True):
        activite = 10_000 if pc == un else 250_000
        assert lg["forfait"] == forfaits.forfait(reg, code, activite)[1]
        assert lg["amorcage"] == (2 * lg["forfait"] + 5) // 10  # 20 %, half up
        assert lg["usage"] == lg["forfait"] - lg["amorcage"]
        assert lg["raison_sociale"] == pc.etablissement.raison_sociale
        assert lg["statut"] == pc.etablissement.statut
    assert [lg["forfait"] for lg in body["lignes"] if lg["finess"] == un.etablissement.finess] == [
        269_355,
        84_677,
    ]  # category B at 10 000 journées MCO [003 A3]
    assert body["total"] == sum(lg["forfait"] for lg in body["lignes"])
    assert body["total_amorcage"] == sum(lg["amorcage"] for lg in body["lignes"])
    assert body["total_usage"] == body["total"] - body["total_amorcage"]
    assert body["enveloppe"] == 49_777_000  # Auvergne-Rhône-Alpes [003 A2]
    assert body["plafond_amorcage"] == 9_955_400
    assert body["reste"] == 49_777_000 - body["total"]
    assert body["reste_amorcage"] == 9_955_400 - body["total_amorcage"]
    assert body["depassements"] == [] and body["versions"] == []


def test_the_cmsi_edits_a_lines_amorcage(client):
    pc = retenue()
    cmsi = a.valideur()
    response = modifier(
        client, cmsi, [{"finess": pc.etablissement.finess, "domaine": "d2", "amorcage": 100_000}]
    )
    assert response.status_code == 200, response.content
    (ligne,) = response.json()["lignes"]
    assert (ligne["forfait"], ligne["amorcage"], ligne["usage"]) == (269_355, 100_000, 169_355)
    assert response.json()["total_amorcage"] == 100_000
    trace = Evenement.objects.get(action="programmation_ajustee")
    cle = f"{pc.etablissement.finess} D2"
    assert (trace.avant, trace.apres) == ({cle: 53_871}, {cle: 100_000})
    assert trace.acteur == cmsi
    # No amorçage at all is a choice too (the whole forfait paid as usage).
    modifier(client, cmsi, [{"finess": pc.etablissement.finess, "domaine": "D2", "amorcage": 0}])
    assert lire(client, cmsi).json()["lignes"][0]["amorcage"] == 0


@pytest.mark.parametrize(
    ("ligne", "message"),
    [
        (
            {"finess": "999999999", "domaine": "D2", "amorcage": 1},
            "Aucune ligne de la programmation pour le FINESS « 999999999 » et le domaine « D2 » "
            "(seules les pré-candidatures pré-sélectionnées y figurent).",
        ),
        ({"domaine": "D3", "amorcage": 1}, None),  # a domaine the ES did not apply for
        ({"domaine": "D2", "amorcage": -1}, "l'amorçage est un nombre entier d'euros"),
        ({"domaine": "D2", "amorcage": "dix"}, "l'amorçage est un nombre entier d'euros"),
        ({"domaine": "D2", "amorcage": None}, None),
        ({"domaine": "D2", "amorcage": 269_356}, "ne peut pas dépasser le forfait de la ligne"),
    ],
)
def test_a_bad_line_is_400_and_changes_nothing(client, ligne, message):
    pc = retenue()
    ligne = {"finess": pc.etablissement.finess, **ligne}
    avant = ecrits()
    response = modifier(client, a.valideur(), [ligne])
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "La programmation n'est pas modifiée."
    (erreur,) = body["errors"]["lignes"]
    if message:
        assert message in erreur
    assert ecrits() == avant
    assert lire(client, a.valideur()).json()["lignes"][0]["amorcage"] == 53_871


def test_one_bad_line_among_good_ones_changes_nothing(client):
    pc = retenue(domaines=(("D2", "2020S2"), ("D3", "2020S2")))
    avant = ecrits()
    finess = pc.etablissement.finess
    response = modifier(
        client,
        a.valideur(),
        [
            {"finess": finess, "domaine": "D2", "amorcage": 1},
            {"finess": finess, "domaine": "D3", "amorcage": -5},
        ],
    )
    assert response.status_code == 400
    assert ecrits() == avant
    for body in ({"lignes": []}, {"lignes": "D2"}, {}):
        response = appel(
            client, a.valideur(), "patch", url("programmations", a.ami_2019().pk, "84"), body
        )
        assert response.status_code == 400
        assert response.json()["errors"] == {
            "lignes": ['Une liste est attendue : [{"finess", "domaine", "amorcage"}].']
        }
    assert ecrits() == avant


def test_transmission_over_the_envelope_is_409_and_writes_nothing(client):
    """Mayotte: 718 000 €. Two category D établissements far above it."""
    retenue(MAYOTTE, domaines=(("D1", "2020S2"), ("D2", "2020S2")), journees_mco=1_000_000)
    cmsi = a.valideur(MAYOTTE)
    f.lecteur_national()
    avant = ecrits()
    response = transmettre(client, cmsi, MAYOTTE)
    assert response.status_code == 409, response.content
    body = response.json()
    assert set(body) == {"detail", "depassements"}
    total = 575_000 + 700_000
    assert "dépasse l'enveloppe régionale" in body["depassements"][0]
    assert "557" in body["depassements"][0]  # 1 275 000 − 718 000 = 557 000 €
    assert body["detail"].startswith("La programmation ne peut pas être transmise : ")
    assert ecrits() == avant
    figures = lire(client, cmsi, MAYOTTE).json()
    assert (figures["total"], figures["enveloppe"], figures["reste"]) == (
        total,
        718_000,
        718_000 - total,
    )
    assert figures["depassements"] == body["depassements"]


def test_amorcage_over_its_ceiling_is_409_until_brought_back(client):
    pc = retenue(MAYOTTE)  # D2 269 355 €, well within 718 000 €
    cmsi = a.valideur(MAYOTTE)
    finess = pc.etablissement.finess
    modifier(client, cmsi, [{"finess": finess, "domaine": "D2", "amorcage": 143_601}], MAYOTTE)
    avant = ecrits()
    response = transmettre(client, cmsi, MAYOTTE)
    assert response.status_code == 409
    (depassement,) = response.json()["depassements"]
    assert "dépasse le plafond de l'amorçage" in depassement
    assert ecrits() == avant
    # Exactly the ceiling (20 % of 718 000 €) is allowed.
    modifier(client, cmsi, [{"finess": finess, "domaine": "D2", "amorcage": 143_600}], MAYOTTE)
    response = transmettre(client, cmsi, MAYOTTE)
    assert response.status_code == 201, response.content
    assert response.json()["versions"][0]["total_amorcage"] == 143_600


def test_versions_are_numbered_dated_frozen_and_notified(client):
    pc = retenue()
    cmsi = a.valideur()
    pilote, lecteur = f.pilote_national(), f.lecteur_national()
    premiere = transmettre(client, cmsi, jour=(2019, 8, 20))
    assert premiere.status_code == 201, premiere.content
    modifier(
        client, cmsi, [{"finess": pc.etablissement.finess, "domaine": "D2", "amorcage": 70_000}]
    )
    seconde = transmettre(client, cmsi, jour=(2019, 9, 5))
    versions = seconde.json()["versions"]
    assert [(v["rang"], v["en_retard"], v["par"]) for v in versions] == [
        (1, False, "cmsi84"),
        (2, True, "cmsi84"),
    ]
    assert versions[0]["transmise_le"] == "2019-08-20T10:00:00+02:00"
    assert versions[1]["transmise_le"] == "2019-09-05T10:00:00+02:00"
    assert [v["total_amorcage"] for v in versions] == [53_871, 70_000]
    v1, v2 = Version.objects.order_by("rang")
    assert v1.lignes[0]["amorcage"] == 53_871 and v2.lignes[0]["amorcage"] == 70_000
    assert (v1.enveloppe, v1.plafond_amorcage) == (D(49_777_000), D("9955400.00"))
    for user in (pilote, lecteur):
        titres = list(
            Notification.objects.filter(destinataire=user).values_list("titre", flat=True)
        )
        assert titres == ["Programmation transmise : Auvergne-Rhône-Alpes"] * 2
    retard = Notification.objects.filter(destinataire=pilote).order_by("pk").last()
    assert "après l'échéance du 30/08/2019" in retard.message
    assert not Notification.objects.filter(
        destinataire=cmsi, titre__startswith="Programmation"
    ).exists()
    traces = Evenement.objects.filter(action="programmation_transmise").order_by("pk")
    assert [t.apres["version"] for t in traces] == [1, 2]


@pytest.mark.parametrize(
    "role", ["ars_lecteur", "ars_auditeur", "lecteur_national", "pilote_national"]
)
def test_readers_read_but_may_not_edit_or_transmit(client, role):
    pc = retenue()
    user = {
        "ars_lecteur": lambda: f.ars_lecteur("84"),
        "ars_auditeur": lambda: f.ars_auditeur("84"),
        "lecteur_national": f.lecteur_national,
        "pilote_national": f.pilote_national,
    }[role]()
    assert lire(client, user).status_code == 200
    avant = ecrits()
    ligne = {"finess": pc.etablissement.finess, "domaine": "D2", "amorcage": 1}
    for response in (modifier(client, user, [ligne]), transmettre(client, user)):
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Seul le valideur (CMSI) de l'ARS établit la programmation."
        }
    assert ecrits() == avant


def test_outside_the_callers_scope_is_404(client):
    pc = retenue()
    ligne = {"finess": pc.etablissement.finess, "domaine": "D2", "amorcage": 1}
    avant = ecrits()
    for user in (a.valideur("11"), pc.cree_par, f.es_lecteur(pc.etablissement)):
        assert lire(client, user).status_code == 404
        assert modifier(client, user, [ligne]).status_code == 404
        assert transmettre(client, user).status_code == 404
    assert ecrits() == avant
    cmsi = a.valideur()
    assert lire(client, cmsi, "99").status_code == 404
    unknown = appel(client, cmsi, "get", url("programmations", 999_999, "84"))
    assert unknown.status_code == 404
