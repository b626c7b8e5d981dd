"""Benchmark follow-up (``bench.generer``): for the accepted and closed dossiers planned by
``dossiers.bench``, the semester reports (every ``frequence`` months since the decision) and
each selected domaine's follow-up state consistent with them; then the reports, their values
and progress rows, written in bulk (``hn.bulk``)."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from dossiers.bench import MOTIFS_CLOTURE, VALEURS, PlanDossier, PlanSuivi
from hn.bulk import choix, copier, prochain_id
from hn.dates import ajouter_mois, date_paris
from indicateurs.models import AvancementSuivi, RapportSuivi, ValeurSuivi

# Months between two follow-up reports (set by the ARS, 1 to 6) and their weights.
FREQUENCES_SUIVI = [(1, 20), (2, 55), (3, 25)]
RAPPORTS_MAX = 10  # reports per dossier, at most

# The tables this module writes.
MODELES = [RapportSuivi, ValeurSuivi, AvancementSuivi]


class IndicateursBench:
    """The follow-up of the dossiers written by ``dossiers`` (a
    :class:`dossiers.bench_tables.TablesDossiers`): planned into their plans, then written."""

    def __init__(self, dossiers):
        self.dossiers = dossiers
        self.rapports_ids: dict[tuple[int, int], int] = {}

    def tables(self) -> list[tuple[str, object]]:
        return [
            ("rapports", self.table_rapports),
            ("valeurs_suivi", self.table_valeurs_suivi),
            ("avancements_suivi", self.table_avancements_suivi),
        ]

    def planifier(self):
        """Accepted and closed dossiers: reports every ``frequence`` months since the decision
        (up to ten; a few late), and each selected domaine's follow-up state consistent with
        them: targets met at a report, funding notified after it, partial closures; a closed
        dossier's domaines are all closed on its closure date."""
        aujourd_hui = date_paris(self.dossiers.plan.maintenant)
        for d in self.dossiers.plan.dossiers:
            if d.etat not in ("accepte", "clos"):
                continue
            rng = random.Random(d.graine + 3)
            d.frequence = choix(rng, FREQUENCES_SUIVI)
            fin = d.clos_le if d.etat == "clos" else aujourd_hui
            # At most ten reports: a longer follow-up gets a longer period (≤ 6 months), so
            # that no report is missed (the next one is due after ``fin``).
            while (
                d.frequence < 6
                and ajouter_mois(d.decide_le, d.frequence * (RAPPORTS_MAX + 1)) <= fin
            ):
                d.frequence += 1
            attendus = []
            for rang in range(1, RAPPORTS_MAX + 2):
                attendu = ajouter_mois(d.decide_le, d.frequence * rang)
                attendus.append(attendu)
                if attendu > fin:
                    break
            faits = [a for a in attendus if a <= fin][:RAPPORTS_MAX]
            if d.etat == "accepte" and faits and rng.random() < 0.03:
                faits.pop()  # the last report is late
            for rang, attendu in enumerate(faits, 1):
                arrete = attendu - timedelta(days=rng.randrange(0, 10))
                depose = datetime.combine(
                    min(arrete + timedelta(days=rng.randrange(0, 8)), aujourd_hui),
                    datetime.min.time(),
                    tzinfo=self.dossiers.plan.maintenant.tzinfo,
                ) + timedelta(hours=rng.randrange(7, 18), minutes=rng.randrange(60))
                d.rapports.append(
                    (rang, arrete, attendu, min(depose, self.dossiers.plan.maintenant))
                )
            if d.etat == "accepte":
                d.prochain_rapport_le = ajouter_mois(d.decide_le, d.frequence * (len(faits) + 1))
            selectionnes = sorted(c for c, dec in d.selection.items() if dec == "selectionne")
            for code in selectionnes:
                plan = PlanSuivi()
                arretes = [r[1] for r in d.rapports]
                tirage = rng.random()
                if arretes and tirage < 0.45:
                    plan.cibles_le = rng.choice(arretes)
                    plan.etat = "cibles_atteintes" if tirage < 0.10 else "finance"
                    if plan.etat == "finance":
                        plan.finance_le = min(
                            plan.cibles_le + timedelta(days=rng.randrange(5, 60)), fin
                        )
                        plan.usage = True
                if d.etat == "clos":
                    plan.etat, plan.clos_le, plan.motif = "clos", d.clos_le, d.motif_cloture
                elif (
                    arretes and len(selectionnes) > 1 and code == selectionnes[-1] and tirage > 0.9
                ):
                    # Partial closure of one domaine of an accepted dossier.
                    plan.etat, plan.usage, plan.finance_le = "clos", False, None
                    plan.cibles_le = None
                    plan.clos_le = min(rng.choice(arretes) + timedelta(days=15), fin)
                    plan.motif = rng.choice(MOTIFS_CLOTURE)
                d.suivi[code] = plan

    def _suivis_au(self, d: PlanDossier, arrete: date) -> list[tuple[str, PlanSuivi]]:
        """The domaines in follow-up at a report (not closed before it)."""
        return [
            (code, plan)
            for code, plan in sorted(d.suivi.items())
            if plan.clos_le is None or arrete < plan.clos_le
        ]

    def valeurs_suivi(self, d: PlanDossier, rang: int, arrete: date) -> list[tuple]:
        """(indicateur id, valeur, non applicable) of a report: every prérequis indicator
        (met, as at the acceptance) and the indicators of the domaines still open, as
        ``indicateurs.suivi.deposer_rapport`` asks them (``SUIVI_OUVERT``: selected, or targets
        met and funding not notified yet), at target from the report that showed them met."""
        rng = random.Random(d.graine * 31 + rang)
        attente = {
            code: plan.cibles_le is not None and plan.cibles_le <= arrete
            for code, plan in self._suivis_au(d, arrete)
            if plan.finance_le is None or arrete < plan.finance_le
        }
        result = []
        for pk, _code, type_, cible, prerequis, domaine in self.dossiers.plan.programmes[
            d.programme
        ]["indicateurs"]:
            if prerequis is not None:
                atteint = True
            elif domaine in attente:
                atteint = attente[domaine]
            else:
                continue
            if type_ == "existence":
                valeur = VALEURS[100 if atteint else 0]
            elif cible is None:
                valeur = VALEURS[rng.randint(0, 100)]
            elif atteint:
                valeur = VALEURS[rng.randint(cible, 100)]
            else:
                valeur = VALEURS[rng.randint(0, max(cible - 1, 0))]
            result.append((pk, valeur, False))
        return result

    def table_rapports(self) -> int:
        prochain = prochain_id(RapportSuivi)
        self.rapports_ids: dict[tuple[int, int], int] = {}

        def lignes():
            nonlocal prochain
            for d in self.dossiers.plan.dossiers:
                rng = random.Random(d.graine + 5)
                auteur = d.etab.gestionnaire_id or self.dossiers.valideurs[d.etab.region_code]
                budget = Decimal(0)
                for rang, arrete, attendu, depose in d.rapports:
                    self.rapports_ids[(d.id, rang)] = prochain
                    budget += Decimal(rng.randrange(5, 120) * 1000)
                    yield (
                        prochain,
                        d.id,
                        rang,
                        arrete,
                        attendu,
                        depose,
                        auteur,
                        budget,
                        Decimal(rng.randrange(5, 60)) / 10,
                        "Déploiement conforme au planning." if rng.random() < 0.3 else "",
                    )
                    prochain += 1

        return copier(
            RapportSuivi,
            "id dossier rang arrete_le attendu_le depose_le depose_par budget_engage "
            "etp_engages commentaire",
            lignes(),
        )

    def table_valeurs_suivi(self) -> int:
        prochain = prochain_id(ValeurSuivi)

        def lignes():
            nonlocal prochain
            for d in self.dossiers.plan.dossiers:
                for rang, arrete, _attendu, _depose in d.rapports:
                    rapport = self.rapports_ids[(d.id, rang)]
                    for pk, valeur, na in self.valeurs_suivi(d, rang, arrete):
                        yield (prochain, rapport, pk, valeur, na)
                        prochain += 1

        return copier(ValeurSuivi, "id rapport indicateur valeur non_applicable", lignes())

    def table_avancements_suivi(self) -> int:
        prochain = prochain_id(AvancementSuivi)

        def lignes():
            nonlocal prochain
            for d in self.dossiers.plan.dossiers:
                for rang, arrete, _attendu, _depose in d.rapports:
                    rapport = self.rapports_ids[(d.id, rang)]
                    for code, plan in self._suivis_au(d, arrete):
                        avancement = (
                            "deploiement" if rang > 1 or plan.cibles_le else d.domaines[code][1]
                        )
                        yield (
                            prochain,
                            rapport,
                            self.dossiers.domaines_ids[(d.id, code)],
                            avancement or "deploiement",
                            False,
                            "",
                        )
                        prochain += 1

        return copier(
            AvancementSuivi,
            "id rapport domaine_dossier avancement condition_avance commentaire",
            lignes(),
        )
