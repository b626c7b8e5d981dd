"""Random sequences of money events turned into ledger lines the way ``enveloppes.actions``
builds them: shared by the hypothesis properties (pure) and the SQL-aggregation test (DB)."""

import datetime as dt
from decimal import ROUND_FLOOR
from decimal import Decimal as D

from hypothesis import strategies as st

from enveloppes import regles
from enveloppes.enums import Nature
from enveloppes.regles import EtatEnveloppe, Mouvement, ParametresEnveloppe

HN = ParametresEnveloppe(plafonds_annuels={2013: D("0.40"), 2014: D("0.40"), 2015: D("0.20")})
HOPEN = ParametresEnveloppe(
    derogation_taux=D("0.30"),
    derogation_taux_max=D("0.50"),
    derogation_echeance=dt.date(2021, 1, 1),
    reprise_des_remboursements=True,
    usage_remboursable_apres_audit=True,
)
# domaine key -> (dossier, établissement, statut, activités, domaine code)
DOMAINES = {
    1: (1, "A", "public", ("mco",), "D1"),
    2: (1, "A", "public", ("mco",), "D2"),
    3: (2, "B", "prive_lucratif", ("ssr", "psy"), "D2"),
    4: (3, "C", "clcc", ("mco", "had"), "D5"),
    5: (4, "D", "prive_non_lucratif", ("psy",), "D3"),
}

montants = st.decimals(min_value=D("0.01"), max_value=D("450000"), places=2)
fractions = st.sampled_from([D("0.1"), D("0.3"), D("0.5"), D("1")])
# An amount is either a share of what the state allows (mostly accepted) or an absolute amount
# (often refused): both paths are exercised.
quantites = st.one_of(
    st.tuples(st.just("part"), fractions),
    st.tuples(st.just("part"), fractions),
    st.tuples(st.just("montant"), montants),
)
# A domaine is picked by index among the relevant ones when the event happens (not yet
# engaged for an engagement, something to pay for a payment, something due for a repayment,
# engaged otherwise; all when none is), so that sequences go deep into a domaine's life
# (amorçage, payments, closure, repayments) instead of mostly hitting empty domaines.
domaines = st.integers(min_value=0, max_value=9)
dates = st.dates(min_value=dt.date(2012, 10, 1), max_value=dt.date(2016, 6, 30))


def evenements(*, redeploiements: bool, derogation: bool):
    choix = [
        st.tuples(st.just("engager"), domaines, quantites),
        st.tuples(
            st.just("amorcage"),
            domaines,
            quantites,
            st.booleans() if derogation else st.just(False),
        ),
        st.tuples(st.just("verser_amorcage"), domaines, quantites),
        st.tuples(st.just("complement"), domaines, quantites),
        st.tuples(st.just("notifier"), domaines),
        st.tuples(st.just("verser_usage"), domaines, quantites),
        st.tuples(st.just("cloturer"), domaines, st.booleans()),
        st.tuples(
            st.just("rembourser"), domaines, st.sampled_from(["amorcage", "usage"]), quantites
        ),
        st.tuples(st.just("liberer"), domaines, quantites),
    ]
    if redeploiements:
        choix.append(st.tuples(st.just("redeployer"), st.booleans(), quantites))
    if derogation:
        choix.append(st.tuples(st.just("taux"), st.sampled_from(["0.30", "0.40", "0.50"])))
    return st.lists(st.tuples(st.one_of(*choix), dates), min_size=20, max_size=80)


def part(montant: D, fraction: D) -> D:
    return (montant * fraction).quantize(D("0.01"), rounding=ROUND_FLOOR)


def quantite(q, base: D) -> D:
    sorte, valeur = q
    return part(base, valeur) if sorte == "part" else valeur


def lignes_de(etat: EtatEnveloppe, evenement, date, univers=None) -> list[Mouvement]:
    """The ledger lines an event produces (as enveloppes.actions builds them)."""
    univers = univers or DOMAINES
    sorte, *args = evenement
    if sorte == "redeployer":
        entrant, q = args
        nature = Nature.REDEPLOIEMENT_ENTRANT if entrant else Nature.REDEPLOIEMENT_SORTANT
        return [Mouvement(nature, quantite(q, etat.disponible), date)]
    pertinent = {
        "engager": lambda d: d.engage_selection == 0,
        "verser_amorcage": lambda d: d.amorcage_a_verser > 0,
        "verser_usage": lambda d: d.usage_a_verser > 0,
        "rembourser": lambda d: d.remboursement_du > 0,
    }.get(sorte, lambda d: d.engage_selection > 0)
    candidats = [k for k in sorted(univers) if pertinent(etat.domaine(k))] or sorted(univers)
    cle = candidats[args[0] % len(candidats)]
    dossier, etab, statut, activites, code = univers[cle]
    commun = {
        "date": date,
        "domaine": cle,
        "dossier": dossier,
        "etablissement": etab,
        "statut": statut,
        "activites": activites,
        "domaine_code": code,
    }
    d = etat.domaine(cle)

    def ligne(nature, montant, **kw):
        return Mouvement(nature, montant, **commun, **kw)

    if sorte == "engager":
        base = min(etat.disponible, D(400_000))
        return [ligne(Nature.ENGAGEMENT, quantite(args[1], base))]
    if sorte == "amorcage":
        montant = quantite(args[1], d.usage_libre)
        return [ligne(Nature.AMORCAGE_DECIDE, montant, derogation=args[2])]
    if sorte == "verser_amorcage":
        montant = quantite(args[1], d.amorcage_a_verser)
        return [ligne(Nature.AMORCAGE_VERSE, montant, derogation=d.derogatoire)]
    if sorte == "complement":
        return [ligne(Nature.ENGAGEMENT_COMPLEMENTAIRE, quantite(args[1], D(20_000)))]
    if sorte == "notifier":
        return [ligne(Nature.USAGE_NOTIFIE, regles.usage_a_notifier(d, code))]
    if sorte == "verser_usage":
        return [ligne(Nature.USAGE_VERSE, quantite(args[1], d.usage_a_verser))]
    if sorte == "liberer":
        return [ligne(Nature.LIBERATION, quantite(args[1], d.usage_libre))]
    if sorte == "cloturer":
        champs = {k: v for k, v in commun.items() if k not in ("date", "domaine")}
        return regles.cloture(
            d,
            cle=cle,
            date=date,
            usage_remboursable=args[1] and etat.parametres.usage_remboursable_apres_audit,
            **champs,
        )
    volet, q = args[1], args[2]
    if getattr(d, f"du_{volet}") == 0:  # the other volet when this one has nothing due
        volet = "usage" if volet == "amorcage" else "amorcage"
    montant = quantite(q, d.du_amorcage if volet == "amorcage" else d.du_usage)
    nature = (
        Nature.REMBOURSEMENT_AMORCAGE_RECU
        if volet == "amorcage"
        else Nature.REMBOURSEMENT_USAGE_RECU
    )
    lignes = [ligne(nature, montant, derogation=volet == "amorcage" and d.derogatoire)]
    if etat.parametres.reprise_des_remboursements:
        lignes.append(ligne(Nature.REPRISE, montant))
    return lignes


def jouer(etat: EtatEnveloppe, sequence, *, univers=None, verifier=None):
    """Apply each event; a refused event changes nothing. Returns (state, accepted lines,
    number of refusals); ``verifier(state, lines)`` runs after each accepted event."""
    journal: list[Mouvement] = []
    refus = 0
    for evenement, date in sequence:
        try:
            if evenement[0] == "taux":
                etat = regles.changer_taux_derogation(etat, evenement[1])
                continue
            lignes = lignes_de(etat, evenement, date, univers)
            etat = regles.appliquer_tous(etat, lignes)
        except regles.MouvementRefuse:
            refus += 1
            continue
        journal += lignes
        if verifier:
            verifier(etat, journal)
    return etat, journal, refus


def evenements_aleatoires(rng, n: int, *, debut: dt.date, jours: int = 1500):
    """``n`` events drawn with ``random.Random`` (same shapes as :func:`evenements`), for the
    database tests where hypothesis' function-scoped database would be too slow."""
    fractions_ = [D("0.1"), D("0.3"), D("0.5"), D("1")]

    def q():
        if rng.random() < 0.7:
            return ("part", rng.choice(fractions_))
        return ("montant", D(rng.randint(1, 45_000_000)) / 100)

    sortes = [
        lambda: ("engager", rng.randint(0, 9), q()),
        lambda: ("amorcage", rng.randint(0, 9), q(), rng.random() < 0.3),
        lambda: ("verser_amorcage", rng.randint(0, 9), q()),
        lambda: ("complement", rng.randint(0, 9), q()),
        lambda: ("notifier", rng.randint(0, 9)),
        lambda: ("verser_usage", rng.randint(0, 9), q()),
        lambda: ("cloturer", rng.randint(0, 9), rng.random() < 0.5),
        lambda: ("rembourser", rng.randint(0, 9), rng.choice(["amorcage", "usage"]), q()),
        lambda: ("liberer", rng.randint(0, 9), q()),
        lambda: ("redeployer", rng.random() < 0.5, q()),
    ]
    return [
        (rng.choice(sortes)(), debut + dt.timedelta(days=rng.randint(0, jours))) for _ in range(n)
    ]
