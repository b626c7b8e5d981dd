"""The published bilan (issue 16 point 5): every figure recomputed here, independently, from the
ledger rows and dossiers the test writes (the pure rules of ``enveloppes.regles`` over the same
lines, plain Python over the dossiers), its PDF, its query count and who may read it.

Rows are written directly (no workflow, no demo): the bilan reads rows, whatever wrote them.
"""

import datetime as dt
import itertools
import re
from collections import defaultdict
from decimal import Decimal as D
from io import BytesIO

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from dossiers.enums import DecisionDomaine, DecisionPrerequis, Etat
from dossiers.models import DecisionPrerequisDossier, DomaineDossier, Dossier
from enveloppes import regles
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from hn import formats
from hn.referentiel.enums import Decoupage, Statut
from hn.referentiel.models import Programme, Region
from pilotage import document
from pilotage.bilan import bilan, part
from tests import factories as f
from tests.queries import count_queries

_numeros = itertools.count(1)


def _region(code, decoupage=Decoupage.ACTUEL):
    return Region.objects.get(code=code, decoupage=decoupage)


def _enveloppe(programme: str, region: str) -> Enveloppe:
    prog = Programme.objects.get(code=programme)
    return Enveloppe.objects.select_related("programme").get(
        programme=prog, region__code=region, region__decoupage=prog.decoupage
    )


class Monde:
    """What the test wrote, kept to recompute every figure: the ledger as plain
    ``regles.Mouvement`` and the dossiers' domaines as tuples."""

    def __init__(self, programme="HN"):
        self.programme = Programme.objects.get(code=programme)
        self.auteur = f.UserFactory()
        self.lignes: list[regles.Mouvement] = []
        self.enveloppes: list[int] = []  # each line's envelope
        self.domaines: list[dict] = []
        self.decisions: list[tuple] = []  # (dossier, etab, prerequis, accepte)
        self.dossiers: dict[int, dict] = {}
        self.domaines_ref = list(self.programme.domaines.order_by("ordre"))
        self.prerequis_ref = list(self.programme.prerequis.order_by("ordre"))

    def etablissement(self, *, statut=Statut.PUBLIC, region="84", historique="82", **kw):
        if self.programme.decoupage == Decoupage.ANCIEN:
            kw["region_historique"] = _region(historique, Decoupage.ANCIEN)
        return f.EtablissementFactory(region=_region(region), statut=statut, **kw)

    def dossier(self, etab, etat=Etat.ACCEPTE, *, prerequis_atteints_le=None):
        d = Dossier.objects.create(
            numero=f"T{next(_numeros):07d}",
            programme=self.programme,
            etablissement=etab,
            nom="Projet",
            etat=etat,
            cree_par=self.auteur,
            motif_refus="autre" if etat == Etat.REFUSE else "",
            motif_cloture="autre" if etat == Etat.CLOS else "",
            prerequis_atteints_le=prerequis_atteints_le,
        )
        self.dossiers[d.pk] = {"etab": etab, "etat": etat, "derogation": prerequis_atteints_le}
        return d

    def domaine(self, dossier, rang=0, *, selectionne=True, cibles=None, finance=None):
        dd = DomaineDossier.objects.create(
            dossier=dossier,
            domaine=self.domaines_ref[rang],
            demande=True,
            decision=DecisionDomaine.SELECTIONNE
            if selectionne
            else DecisionDomaine.NON_SELECTIONNE,
            cibles_atteintes_le=cibles,
            finance_le=finance,
        )
        self.domaines.append(
            {
                "pk": dd.pk,
                "domaine": dd.domaine_id,
                "dossier": dossier.pk,
                "etab": dossier.etablissement_id,
                "etat": dossier.etat,
                "statut": dossier.etablissement.statut,
                "region": dossier.region_id,
                "activites": dossier.etablissement.activites,
                "selectionne": selectionne,
                "cibles": cibles is not None,
                "finance": finance is not None,
            }
        )
        return dd

    def ligne(self, enveloppe, nature, montant, date, dd=None, **kw):
        montant = D(montant).quantize(D("0.01"))
        MouvementEnveloppe.objects.create(
            enveloppe=enveloppe,
            dossier=dd.dossier if dd else None,
            domaine=dd,
            nature=nature,
            montant=montant,
            date=date,
            **kw,
        )
        etab = dd.dossier.etablissement if dd else None
        self.enveloppes.append(enveloppe.pk)
        self.lignes.append(
            regles.Mouvement(
                nature=nature,
                montant=montant,
                date=date,
                domaine=dd.pk if dd else None,
                dossier=dd.dossier_id if dd else None,
                etablissement=etab.pk if etab else None,
                statut=etab.statut if etab else "",
                activites=tuple(etab.activites) if etab else (),
                derogation=kw.get("derogation", False),
            )
        )

    def decision(self, dossier, prerequis, accepte=True):
        DecisionPrerequisDossier.objects.create(
            dossier=dossier,
            prerequis=prerequis,
            decision=DecisionPrerequis.ACCEPTE if accepte else DecisionPrerequis.NON_ACCEPTE,
        )
        self.decisions.append((dossier.pk, dossier.etablissement_id, prerequis.pk, accepte))

    # --- the figures, recomputed ----------------------------------------------------------
    def retenus(self, cle=None):
        return [
            d
            for d in self.domaines
            if d["selectionne"]
            and d["etat"] in (Etat.ACCEPTE, Etat.CLOS)
            and (cle is None or cle(d))
        ]

    def effectifs(self, cle=None) -> dict:
        r = self.retenus(cle)
        return {
            "etablissements": len({d["etab"] for d in r}),
            "dossiers": len({d["dossier"] for d in r}),
            "domaines": len(r),
            "domaines_cibles": sum(d["cibles"] for d in r),
            "domaines_finances": sum(d["finance"] for d in r),
            "etablissements_cibles": len({d["etab"] for d in r if d["cibles"]}),
        }


def _eff(lig) -> dict:
    return dict(lig.__dict__)


# --- the figures, on a hand-built world (HN, Auvergne-Rhône-Alpes: former régions 82 and 83) ---


@pytest.fixture
def monde(db):
    m = Monde("HN")
    ra, au, idf = _enveloppe("HN", "82"), _enveloppe("HN", "83"), _enveloppe("HN", "11")
    d1, d2 = (m.domaines_ref[0], m.domaines_ref[1])
    # Rhône-Alpes: a public CH with 2 domaines (one target met and funded), 2013.
    e1 = m.etablissement(statut=Statut.PUBLIC, mco=True, ssr=True)
    x1 = m.dossier(e1)
    a = m.domaine(x1, 0, cibles=dt.date(2015, 5, 1), finance=dt.date(2015, 6, 1))
    b = m.domaine(x1, 1)
    m.domaine(x1, 2, selectionne=False)
    m.ligne(ra, Nature.ENGAGEMENT, "100000.10", dt.date(2013, 3, 1), a)
    m.ligne(ra, Nature.ENGAGEMENT, "50000.05", dt.date(2013, 3, 1), b)
    m.ligne(ra, Nature.AMORCAGE_DECIDE, "20000", dt.date(2013, 4, 1), a)
    m.ligne(ra, Nature.AMORCAGE_VERSE, "20000", dt.date(2014, 1, 10), a)
    m.ligne(ra, Nature.USAGE_NOTIFIE, "80000.10", dt.date(2015, 6, 1), a)
    m.ligne(ra, Nature.USAGE_VERSE, "80000.10", dt.date(2015, 7, 1), a)
    for p in m.prerequis_ref:
        m.decision(x1, p)
    # Auvergne: a private clinic closed in 2016 (engagement partly released), selected in 2014.
    e2 = m.etablissement(statut=Statut.PRIVE_LUCRATIF, historique="83", mco=True)
    x2 = m.dossier(e2, Etat.CLOS)
    c = m.domaine(x2, 0)
    m.ligne(au, Nature.ENGAGEMENT, "70000", dt.date(2014, 9, 1), c)
    m.ligne(au, Nature.AMORCAGE_DECIDE, "14000", dt.date(2014, 9, 2), c)
    m.ligne(au, Nature.AMORCAGE_VERSE, "14000", dt.date(2015, 1, 5), c)
    m.ligne(au, Nature.LIBERATION, "56000", dt.date(2016, 2, 1), c)
    for i, p in enumerate(m.prerequis_ref):
        m.decision(x2, p, accepte=i > 0)
    # A refused dossier and one being typed in 84: not funded.
    x3 = m.dossier(m.etablissement(statut=Statut.PRIVE_NON_LUCRATIF), Etat.REFUSE)
    m.domaine(x3, 0)
    m.decision(x3, m.prerequis_ref[0], accepte=False)
    m.dossier(m.etablissement(statut=Statut.PUBLIC), Etat.EN_SAISIE)
    # A national redeployment into Rhône-Alpes.
    m.ligne(ra, Nature.REDEPLOIEMENT_ENTRANT, "1000", dt.date(2016, 1, 1))
    # Île-de-France: an ESPIC, 2015 (outside the regional bilan, inside the national one).
    e4 = m.etablissement(statut=Statut.PRIVE_NON_LUCRATIF, region="11", historique="11", psy=True)
    x4 = m.dossier(e4)
    g = m.domaine(x4, 1, cibles=dt.date(2016, 1, 1))
    m.ligne(idf, Nature.ENGAGEMENT, "33333.33", dt.date(2015, 5, 5), g)
    m.ligne(idf, Nature.AMORCAGE_DECIDE, "6666.66", dt.date(2015, 5, 6), g)
    m.ligne(idf, Nature.AMORCAGE_VERSE, "6666.66", dt.date(2016, 5, 6), g)
    m.envs = {"ra": ra, "au": au, "idf": idf}
    m.d1, m.d2 = d1, d2
    return m


def _lignes_de(m, enveloppes):
    pks = {e.pk for e in enveloppes}
    return [lig for lig, env in zip(m.lignes, m.enveloppes, strict=True) if env in pks]


def test_regional_bilan_of_a_current_region_covers_its_former_regions(monde):
    m = monde
    b = bilan("HN", "84")
    lignes = _lignes_de(m, [m.envs["ra"], m.envs["au"]])
    attendu = regles.releve(lignes)
    dans_84 = lambda d: d["region"] == _region("84").pk  # noqa: E731
    assert b.compteurs == attendu
    assert b.compteurs.engage == D("100000.10") + D("50000.05") + D("70000") - D("56000")
    assert b.compteurs.consomme == D("20000") + D("80000.10") + D("14000")
    assert _eff(b.effectifs) == m.effectifs(dans_84)
    assert b.effectifs.etablissements == 2 and b.effectifs.domaines == 3
    # Envelope: both former régions' published amounts, plus the redeployment.
    publie = m.envs["ra"].montant_publie + m.envs["au"].montant_publie
    assert b.publie == publie and b.enveloppe == publie + D("1000")
    assert b.part_enveloppe == part(attendu.engage, publie + D("1000"))
    # By statut: amounts, shares, counts.
    par_statut = regles.par_statut(lignes)
    assert {lig.cle: lig.compteurs for lig in b.par_statut} == par_statut
    for lig in b.par_statut:
        assert _eff(lig.effectifs) == m.effectifs(
            lambda d, s=lig.cle: dans_84(d) and d["statut"] == s
        )
        assert lig.part == part(par_statut[lig.cle].engage, attendu.engage)
    assert sum(lig.compteurs.engage for lig in b.par_statut) == b.compteurs.engage
    # By activité (an établissement under each of its activités).
    assert {lig.cle: lig.compteurs for lig in b.par_activite} == {
        k: v for k, v in regles.par_activite(lignes).items() if v != regles.Compteurs()
    }
    mco = next(lig for lig in b.par_activite if lig.cle == "mco")
    assert mco.effectifs.etablissements == 2
    # By year: the net effect of each year's lines, and the running totals.
    annees = {a.annee: a for a in b.par_annee}
    assert sorted(annees) == [2013, 2014, 2015, 2016]
    for annee, a in annees.items():
        c = regles.releve(lig for lig in lignes if lig.date.year == annee)
        assert (a.engage, a.verse) == (c.engage, c.consomme)
    assert annees[2013].etablissements == 1 and annees[2013].domaines == 2
    assert annees[2014].nouveaux == 1 and annees[2014].etablissements_cumules == 2
    assert b.par_annee[-1].engage_cumule == b.compteurs.engage
    assert b.par_annee[-1].verse_cumule == b.compteurs.consomme
    # By domaine.
    par_domaine = {lig.cle: lig for lig in b.par_domaine}
    premier = par_domaine[m.d1.code]
    assert premier.effectifs.domaines == 2 and premier.effectifs.domaines_cibles == 1
    assert premier.effectifs.domaines_finances == 1
    assert premier.compteurs == regles.releve(
        lig
        for lig in lignes
        if lig.domaine in {d["pk"] for d in m.domaines if d["domaine"] == m.d1.pk}
    )
    # Prérequis: x1 every one accepted, x2 all but the first, x3 (refused) the first refused.
    p = b.prerequis
    assert p.tous_acceptes == 1 and p.etablissements_tous_acceptes == 1
    assert p.instruits == 3  # en_saisie left out
    premier_p = p.lignes[0]
    assert (premier_p.evalues, premier_p.acceptes) == (3, 1)
    if len(p.lignes) > 1:
        assert (p.lignes[1].evalues, p.lignes[1].acceptes) == (2, 2)
    assert b.par_region == []


def test_a_former_region_covers_its_own_envelope_alone(monde):
    b = bilan("HN", "83")
    lignes = _lignes_de(monde, [monde.envs["au"]])
    assert b.compteurs == regles.releve(lignes)
    assert b.effectifs.etablissements == 1 and b.effectifs.dossiers == 1
    assert b.publie == monde.envs["au"].montant_publie


def test_national_bilan_sums_the_regions(monde):
    m = monde
    b = bilan("HN")
    assert b.compteurs == regles.releve(m.lignes)
    assert _eff(b.effectifs) == m.effectifs()
    regions = {lig.cle: lig for lig in b.par_region}
    # One row per current région; HN's former régions grouped under their ARS.
    assert len(regions) == len(
        {e.region_ars.pk for e in Enveloppe.objects.filter(programme__code="HN")}
    )
    assert regions["84"].compteurs == regles.releve(_lignes_de(m, [m.envs["ra"], m.envs["au"]]))
    assert regions["11"].effectifs.etablissements == 1
    assert sum((lig.compteurs for lig in b.par_region), regles.Compteurs()) == b.compteurs
    assert sum(lig.effectifs.etablissements for lig in b.par_region) == 3
    assert sum(lig.enveloppe for lig in b.par_region) == b.enveloppe
    publie = sum(e.montant_publie for e in Enveloppe.objects.filter(programme__code="HN"))
    assert b.publie == publie


# --- hypothesis: the splits and the years add up to the totals, to the cent ------------------

STATUTS = [s.value for s in Statut]
ETATS = [Etat.ACCEPTE, Etat.CLOS, Etat.REFUSE, Etat.DEPOSE]
CENTIMES = st.integers(min_value=1, max_value=500_000_000)  # up to 5 M€, in cents
DOSSIER = st.tuples(
    st.sampled_from(STATUTS),
    st.sampled_from(ETATS),
    st.sampled_from(["82", "83"]),
    st.lists(
        st.tuples(CENTIMES, st.integers(2012, 2022), st.integers(0, 100), st.booleans()),
        min_size=1,
        max_size=3,
    ),
)


@hsettings(
    max_examples=max(10, hsettings.default.max_examples // 8),  # rows in the database
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(dossiers=st.lists(DOSSIER, min_size=1, max_size=5))
def test_splits_and_years_add_up_to_the_totals(db, dossiers):
    with transaction.atomic():
        m = Monde("HN")
        for statut, etat, historique, domaines in dossiers:
            x = m.dossier(m.etablissement(statut=statut, historique=historique), etat)
            env = _enveloppe("HN", historique)
            for rang, (centimes, annee, pct_verse, cibles) in enumerate(domaines):
                dd = m.domaine(x, rang, cibles=dt.date(annee, 12, 1) if cibles else None)
                if etat not in (Etat.ACCEPTE, Etat.CLOS):
                    continue
                montant = D(centimes) / 100
                m.ligne(env, Nature.ENGAGEMENT, montant, dt.date(annee, 6, 1), dd)
                verse = (montant * pct_verse / 100).quantize(D("0.01"))
                if verse > 0:
                    m.ligne(env, Nature.AMORCAGE_DECIDE, verse, dt.date(annee, 6, 2), dd)
                    m.ligne(env, Nature.AMORCAGE_VERSE, verse, dt.date(annee + 1, 1, 2), dd)
        b = bilan("HN", "84")
        attendu = regles.releve(m.lignes)
        assert b.compteurs == attendu
        assert _eff(b.effectifs) == m.effectifs()
        # By statut: amounts to the cent, counts, and each row as recomputed.
        assert sum((lig.compteurs for lig in b.par_statut), regles.Compteurs()) == attendu
        assert {lig.cle: lig.compteurs for lig in b.par_statut} == regles.par_statut(m.lignes)
        assert sum(lig.effectifs.etablissements for lig in b.par_statut) == len(
            {d["etab"] for d in m.retenus()}
        )
        for lig in b.par_statut:
            assert _eff(lig.effectifs) == m.effectifs(lambda d, s=lig.cle: d["statut"] == s)
        # By year: each year's net amounts, the running total ends on the total.
        par_annee = defaultdict(list)
        for lig in m.lignes:
            par_annee[lig.date.year].append(lig)
        assert [a.annee for a in b.par_annee] == sorted(par_annee)
        for a in b.par_annee:
            c = regles.releve(par_annee[a.annee])
            assert (a.engage, a.verse) == (c.engage, c.consomme)
        assert sum(a.engage for a in b.par_annee) == attendu.engage
        assert sum(a.verse for a in b.par_annee) == attendu.consomme
        if b.par_annee:
            assert b.par_annee[-1].engage_cumule == attendu.engage
            assert b.par_annee[-1].etablissements_cumules == len(
                {lig.etablissement for lig in m.lignes if lig.nature == Nature.ENGAGEMENT}
            )
        # By domaine: the amounts add up too.
        assert sum((lig.compteurs for lig in b.par_domaine), regles.Compteurs()) == attendu
        transaction.set_rollback(True)


# --- the PDF ------------------------------------------------------------------------------------


def _texte_pdf(data: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_the_pdf_reads_like_a_published_bilan(monde):
    b = bilan("HN", "84")
    data = document.pdf(b)
    assert data.startswith(b"%PDF")
    texte = " ".join(_texte_pdf(data).replace("\u00a0", " ").split())
    assert "Bilan du programme" in texte
    assert "Auvergne-Rhône-Alpes (84)" in texte
    assert f"Données extraites le {b.extrait_le:%d/%m/%Y}" in texte
    # Headline figures, large: 2 établissements, 164 k€ attributed, the share of the envelope.
    assert re.search(r"\b2 ?établissements financés", texte.lower())  # cover, large capitals
    assert document.millions(b.compteurs.engage).replace("\u00a0", " ") == "164 k€"
    assert "164 k€" in texte
    assert formats.pourcentage(b.part_enveloppe).replace("\u00a0", " ") in texte
    assert formats.euros(b.compteurs.engage).replace("\u00a0", " ") in texte
    for lig in b.par_statut:
        assert f"{lig.libelle} {formats.pourcentage(lig.part)}".replace("\u00a0", " ") in texte
    assert "Note méthodologique" in texte


def test_the_national_html_has_one_row_per_region(monde):
    b = bilan("HN")
    html = document.html(b)
    assert 'id="tableau-regions"' in html
    assert "Auvergne-Rhône-Alpes (84)" in html and "Île-de-France (11)" in html
    assert "national, toutes régions" in html
    assert "<svg" in html and 'id="tableau-annees"' in html
    assert document.millions(D("44000000")) == "44\u00a0M€"


# --- query count: constant whatever the number of dossiers and régions ------------------------


def test_query_count_does_not_grow_with_dossiers_or_regions(db):
    m = Monde("HN")

    def ajouter(n, historiques):
        for i in range(n):
            historique = historiques[i % len(historiques)]
            region = _enveloppe("HN", historique).region.region_actuelle or _region(historique)
            e = m.etablissement(
                statut=STATUTS[i % len(STATUTS)], region=region.code, historique=historique
            )
            x = m.dossier(e)
            dd = m.domaine(x, i % 2, cibles=dt.date(2015, 1, 1) if i % 2 else None)
            m.ligne(
                _enveloppe("HN", historique),
                Nature.ENGAGEMENT,
                1000 + i,
                dt.date(2013 + i % 4, 1, 1),
                dd,
            )
            for p in m.prerequis_ref:
                m.decision(x, p)

    ajouter(1, ["82"])
    peu, _ = count_queries(bilan, "HN")
    peu_region, _ = count_queries(bilan, "HN", "84")
    ajouter(12, ["82", "83", "11", "31", "73"])
    beaucoup, b = count_queries(bilan, "HN")
    beaucoup_region, _ = count_queries(bilan, "HN", "84")
    assert b.effectifs.dossiers == 13
    assert beaucoup == peu and beaucoup_region == peu_region
    assert beaucoup <= 22


# --- access -----------------------------------------------------------------------------------


@pytest.fixture
def comptes(db):
    etab = f.EtablissementFactory()
    return {
        "es": f.es_gestionnaire(etab),
        "ars84": f.ars_lecteur("84"),
        "ars11": f.ars_lecteur("11"),
        "pilote": f.pilote_national(),
        "lecteur": f.lecteur_national(),
    }


@pytest.mark.parametrize(
    ("compte", "url", "attendu"),
    [
        (None, "/pilotage/HN/bilan.pdf", 302),
        ("es", "/pilotage/HN/bilan.pdf", 403),
        ("ars84", "/pilotage/HN/bilan.pdf", 403),
        ("lecteur", "/pilotage/HN/bilan.pdf", 200),
        ("pilote", "/pilotage/HOPEN/bilan.pdf", 200),
        ("pilote", "/pilotage/INCONNU/bilan.pdf", 404),
        (None, "/pilotage/HN/84/bilan.pdf", 302),
        ("es", "/pilotage/HN/84/bilan.pdf", 404),
        ("ars11", "/pilotage/HN/84/bilan.pdf", 404),
        ("ars11", "/pilotage/HN/82/bilan.pdf", 404),
        ("ars84", "/pilotage/HN/84/bilan.pdf", 200),
        ("ars84", "/pilotage/HN/82/bilan.pdf", 200),  # a former région of its own
        ("ars84", "/pilotage/HOPEN/84/bilan.pdf", 200),
        ("pilote", "/pilotage/HOPEN/11/bilan.pdf", 200),
        ("pilote", "/pilotage/HOPEN/82/bilan.pdf", 404),  # HOP'EN: current régions only
        ("pilote", "/pilotage/HN/99/bilan.pdf", 404),
    ],
)
def test_who_may_read_the_pdf(client, comptes, monkeypatch, compte, url, attendu):
    monkeypatch.setattr(document, "html_vers_pdf", lambda html: b"%PDF-1.7 bouchon")
    if compte:
        client.force_login(comptes[compte])
    response = client.get(url)
    assert response.status_code == attendu
    if attendu == 302:
        assert (
            response["Location"].startswith("/comptes/connexion")
            or "login" in response["Location"]
            or "connexion" in response["Location"]
        )
    if attendu == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("compte", "query", "attendu"),
    [
        (None, "?programme=HN", 401),
        ("es", "?programme=HN&region=84", 404),
        ("ars11", "?programme=HN&region=84", 404),
        ("ars84", "?programme=HN", 403),
        ("ars84", "?programme=HN&region=84", 200),
        ("lecteur", "?programme=HN", 200),
        ("lecteur", "", 400),
        ("lecteur", "?programme=NON", 404),
    ],
)
def test_api_access(client, comptes, compte, query, attendu):
    if compte:
        client.force_login(comptes[compte])
    assert client.get(f"/api/v1/pilotage/bilan/{query}").status_code == attendu


def test_api_gives_the_figures_of_the_pdf_in_whole_euros(client, monde):
    client.force_login(f.lecteur_national())
    data = client.get("/api/v1/pilotage/bilan/?programme=HN").json()
    b = bilan("HN")
    assert data["engage"] == 197_333  # 164 000,15 + 33 333,33, rounded to the euro
    assert data["etablissements"] == b.effectifs.etablissements == 3
    assert {r["region"] for r in data["par_region"]} >= {"84", "11"}
    assert sum(s["etablissements"] for s in data["par_statut"]) == 3
    assert data["extrait_le"]
