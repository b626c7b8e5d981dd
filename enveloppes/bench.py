"""Benchmark money (``bench.generer``): the envelopes read (the HN ones weight the former
régions the établissements are spread over; the 20 % amorçage cap of each) and the ledger lines
of the retained dossiers, as ``enveloppes.actions`` writes them, in bulk (``hn.bulk``)."""

import random
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from dossiers.bench import PlanDossier
from enveloppes import regles
from enveloppes.enums import Nature
from enveloppes.models import Enveloppe, MouvementEnveloppe
from enveloppes.parametres import parametres_de
from hn.bulk import copier, prochain_id
from hn.dates import date_paris
from hn.referentiel.models import Programme

# The tables this module writes.
MODELES = [MouvementEnveloppe]


class EnveloppesBench:
    """The envelopes of the data set (read) and the ledger lines of the dossiers written by
    ``dossiers`` (a :class:`dossiers.bench_tables.TablesDossiers`)."""

    def __init__(self, codes, dossiers, maintenant):
        self.dossiers = dossiers
        self.maintenant = maintenant
        self.parametres = {
            p.code: parametres_de(p) for p in Programme.objects.filter(code__in=codes)
        }
        # Former régions weighted by their HN envelope, as the demo.
        self.poids_anciennes = {
            e.region_id: int(e.montant_publie)
            for e in Enveloppe.objects.filter(programme__code="HN")
        }
        # (programme code, région id) -> (envelope id, amorçage cap to the cent)
        self.enveloppes = {
            (e.programme.code, e.region_id): (
                e.pk,
                (e.montant_publie * e.programme.part_amorcage).quantize(
                    Decimal("0.01"), rounding=ROUND_FLOOR
                ),
            )
            for e in Enveloppe.objects.select_related("programme")
        }

    def tables(self) -> list[tuple[str, object]]:
        return [("mouvements", self.table_mouvements)]

    def mouvements(self, d: PlanDossier, reste_amorcage: dict) -> list:
        """The ledger lines of a retained dossier (``enveloppes.regles.Mouvement``, domaine =
        DomaineDossier id), as ``enveloppes.actions`` writes them: the forfait engaged per
        selected domaine at the decision, the amorçage decided (within the région's 20 %,
        ``reste_amorcage`` per envelope) and paid, the usage notified at the funding and
        paid, the closure lines of ``regles.cloture`` and some repayments received (HOP'EN:
        taken back from the envelope)."""
        cle = self._enveloppe_de(d)
        if cle is None:
            return []
        rng = random.Random(d.graine + 4)
        aujourd_hui = date_paris(self.maintenant)
        forfaits = self.dossiers.plan.forfaits(d)
        parametres = self.parametres[d.programme]
        result = []
        for code, plan in sorted(d.suivi.items()):
            dd = self.dossiers.domaines_ids[(d.id, code)]
            commun = {"domaine": dd, "dossier": d.id, "etablissement": d.etab.id}
            lignes = []

            def ligne(nature, montant, le, lignes=lignes, commun=commun):
                montant = Decimal(montant).quantize(regles.CENTIME)
                if montant > 0:
                    lignes.append(regles.Mouvement(nature, montant, min(le, aujourd_hui), **commun))

            forfait = Decimal(forfaits[code])
            ligne(Nature.ENGAGEMENT, forfait, d.decide_le)
            amorcage = regles.ZERO
            if rng.random() < 0.6:
                voulu = (forfait * Decimal(rng.randrange(20, 50)) / 100).quantize(Decimal(1))
                if 0 < voulu <= reste_amorcage[cle]:
                    amorcage = voulu
                    reste_amorcage[cle] -= voulu
                    ligne(Nature.AMORCAGE_DECIDE, amorcage, d.decide_le)
                    verse_le = d.decide_le + timedelta(days=rng.randrange(20, 60))
                    if verse_le <= aujourd_hui and rng.random() < 0.85:
                        ligne(Nature.AMORCAGE_VERSE, amorcage, verse_le)
            if plan.usage and plan.finance_le:
                ligne(Nature.USAGE_NOTIFIE, forfait - amorcage, plan.finance_le)
                verse_le = plan.finance_le + timedelta(days=rng.randrange(10, 45))
                if verse_le <= aujourd_hui and rng.random() < 0.7:
                    ligne(Nature.USAGE_VERSE, forfait - amorcage, verse_le)
            if plan.clos_le:
                lignes += regles.cloture(
                    regles.releve(lignes),
                    cle=dd,
                    date=plan.clos_le,
                    usage_remboursable=False,
                    dossier=d.id,
                    etablissement=d.etab.id,
                )
                du = regles.releve(lignes).du_amorcage
                recu_le = plan.clos_le + timedelta(days=rng.randrange(15, 90))
                if du > 0 and recu_le <= aujourd_hui and rng.random() < 0.5:
                    ligne(Nature.REMBOURSEMENT_AMORCAGE_RECU, du, recu_le)
                    if parametres.reprise_des_remboursements:
                        ligne(Nature.REPRISE, du, recu_le)
            result += lignes
        return result

    def _enveloppe_de(self, d: PlanDossier):
        """``enveloppes.models.enveloppe_de``: HN on the former région, HOP'EN the current."""
        region = (
            self.dossiers.plan.referentiel.etabs_hist.get(d.etab.id)
            if d.programme == "HN"
            else d.etab.region_id
        )
        cle = (d.programme, region)
        return cle if cle in self.enveloppes else None

    def table_mouvements(self) -> int:
        prochain = prochain_id(MouvementEnveloppe)
        reste_amorcage = {cle: plafond for cle, (_pk, plafond) in self.enveloppes.items()}
        systeme = {Nature.LIBERATION, Nature.AMORCAGE_ANNULE, Nature.USAGE_ANNULE}
        retenus = sorted(
            (d for d in self.dossiers.plan.dossiers if d.suivi), key=lambda d: (d.decide_le, d.id)
        )

        def lignes():
            nonlocal prochain
            for d in retenus:
                enveloppe = self.enveloppes[cle][0] if (cle := self._enveloppe_de(d)) else None
                valideur = self.dossiers.valideurs[d.etab.region_code]
                for m in self.mouvements(d, reste_amorcage):
                    cloture = m.nature in systeme or m.nature.startswith(
                        "remboursement_amorcage_du"
                    )
                    yield (
                        prochain,
                        enveloppe,
                        m.dossier,
                        m.domaine,
                        m.nature,
                        m.montant,
                        m.derogation,
                        m.date,
                        valideur,
                        f"Clôture : {d.motif_cloture or 'domaine clos'}." if cloture else "",
                        datetime.combine(m.date, datetime.min.time(), tzinfo=self.maintenant.tzinfo)
                        + timedelta(hours=10),
                    )
                    prochain += 1

        return copier(
            MouvementEnveloppe,
            "id enveloppe dossier domaine nature montant derogation date acteur motif cree_le",
            lignes(),
        )
