"""Benchmark dossiers (``bench.generer``): the plan of every dossier of both programmes in every
state (dates, content, decisions, initialisation requests, the showcase dossiers the benchmark
reads) and the content the tables are written from (``dossiers.bench_tables``). The follow-up
fields of an accepted dossier's plan (reports, domaines' follow-up state) are planned by
``indicateurs.bench``; this module never imports the apps above a dossier."""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from dossiers.enums import TypeContact
from dossiers.models import DemandeInitialisation, Dossier
from hn.bulk import choix, prochain_id, repartir
from hn.dates import date_paris, echeance_decision
from hn.referentiel.bench import PlanEtab
from hn.referentiel.models import Etablissement

# Share of the dossiers per programme, and the mix of states per programme (weights).
PART_PROGRAMMES = {"HN": 32, "HOPEN": 34}
MIX_ETATS = {
    "HN": {
        "en_saisie": 4,
        "depose": 10,
        "reporte": 3,
        "accepte": 49,
        "clos": 8,
        "refuse": 14,
        "refuse_implicite": 12,
    },
    "HOPEN": {
        "en_saisie": 22,
        "depose": 25,
        "reporte": 6,
        "accepte": 31,
        "clos": 2,
        "refuse": 9,
        "refuse_implicite": 5,
    },
}
# Pending initialisation requests per programme (weights); a few more are cancelled.
PART_DEMANDES = {"HN": 1, "HOPEN": 4}
ETATS_REFUSES = ("refuse", "refuse_implicite")

# GHT dossiers (issue 15): about one GHT in five applies to HOP'EN for 2 to 12 candidate
# members; the first one (the showcase of the bench) for MEMBRES_MAX when its GHT has as many.
PROGRAMME_GHT = "HOPEN"
PART_GHT = 0.2
MEMBRES_MAX = 12

PRENOMS = ["Claire", "Hugo", "Nadia", "Paul", "Sophie", "Karim", "Julie", "Marc", "Ines", "Luc"]
NOMS_FAMILLE = ["Martin", "Bernard", "Petit", "Durand", "Leroy", "Moreau", "Simon", "Laurent"]
FONCTIONS = {
    "contact": "Chargée de mission SI",
    "responsable_projet": "Chef de projet",
    "dsi": "DSI",
    "directeur": "Directeur",
}
TEXTES = {
    "commentaire_etablissement": "Établissement engagé dans la convergence de son GHT.",
    "commentaire_contacts": "Référents métiers désignés dans chaque pôle.",
    "description_projet": "Déploiement progressif dans l'ensemble des services de soins, en "
    "lien avec la trajectoire du schéma directeur du SI.",
    "motivation": "Projet porté par la direction et la CME ; référents métiers désignés dans "
    "chaque pôle.",
    "partenaires": "Établissements du GHT (dossier patient commun).",
}
COMMENTAIRES_ARS = [
    "Merci de préciser le calendrier de déploiement du domaine.",
    "Justificatifs des indicateurs P1.1 et P1.3 reçus.",
    "Point d'étape prévu avec la direction lors de la revue de projet.",
    "Dossier présenté en comité régional.",
]
MOTIFS_REFUS = [("enveloppe", 40), ("prerequis", 45), ("autre", 15)]
MOTIFS_CLOTURE = ["cibles_inatteignables", "declarations_erronees", "demande_etablissement"]

VALEURS = [f"{i}.00" for i in range(101)]  # numeric(6,2) as PostgreSQL returns it
JOUR = timedelta(days=1)


@dataclass(slots=True)
class PlanDossier:
    id: int
    programme: str
    etab: PlanEtab
    etat: str
    graine: int
    numero: str = ""
    cree_le: datetime | None = None
    depots: list = field(default_factory=list)  # dépôt datetimes, oldest first
    reporte_le: list = field(default_factory=list)  # report datetimes (before a new dépôt)
    decide_le: date | None = None
    echeance: date | None = None
    clos_le: date | None = None
    motif_refus: str = ""
    motif_cloture: str = ""
    demande_id: int | None = None
    demandee_le: datetime | None = None
    saisie: str = "complete"  # complete / partielle / engagements / vide
    mutualise: bool = False
    domaines: dict = field(default_factory=dict)  # code -> (demande, avancement, date, cout)
    selection: dict = field(default_factory=dict)  # code -> decision
    prerequis: dict = field(default_factory=dict)  # code -> decision
    contacts: int = 4
    commentaires: int = 0
    # phase suivi (accepted and closed dossiers)
    frequence: int = 6  # months between two reports
    rapports: list = field(default_factory=list)  # (rang, arrete_le, attendu_le, depose_le)
    prochain_rapport_le: date | None = None
    suivi: dict = field(default_factory=dict)  # code -> PlanSuivi
    # A GHT dossier [SPEC §10]: filed by the GHT's support (``etab``) for these candidates.
    ght_id: int | None = None
    membres: list = field(default_factory=list)  # PlanEtab, by FINESS


@dataclass(slots=True)
class PlanSuivi:
    """A selected domaine in the follow-up: its state and dates (DomaineDossier.suivi)."""

    etat: str = "selectionne"
    cibles_le: date | None = None  # cibles_atteintes_le: the report that showed the targets
    finance_le: date | None = None
    clos_le: date | None = None
    motif: str = ""
    usage: bool = False  # usage notified (funding) before a closure


class DossiersBench:
    """The dossiers of the data set, planned in memory: ``dossiers`` (:class:`PlanDossier`),
    ``demandes_en_attente`` and ``vitrines`` (the showcase dossiers by use)."""

    def __init__(self, referentiel, comptes, rng, maintenant, *, nombre: int, demandes: int):
        self.referentiel = referentiel
        self.comptes = comptes
        self.programmes = referentiel.programmes
        self.rng = rng
        self.maintenant = maintenant
        self.nombre = nombre
        self.demandes = demandes
        self.dossiers: list[PlanDossier] = []
        self.demandes_en_attente: list[tuple] = []  # (programme, etab, demandee_le, annulee)
        self.vitrines: dict[str, PlanDossier] = {}

    def planifier(self):
        """The dossiers of each programme in the mix of states, on établissements with at most
        one open dossier per programme; pending requests on the others; the showcases."""
        rng = self.rng
        etabs = self.referentiel.etabs
        parts = repartir(self.nombre, PART_PROGRAMMES)
        self.dossiers: list[PlanDossier] = []
        self.demandes_en_attente: list[tuple] = []  # (programme, etab, demandee_le, annulee)
        prochain = prochain_id(Dossier)
        for code in PART_PROGRAMMES:
            etats = repartir(parts[code], MIX_ETATS[code])
            ouverts = sum(n for e, n in etats.items() if e not in ETATS_REFUSES)
            if ouverts > len(etabs):
                raise ValueError(
                    f"{ouverts} dossiers {code} ouverts pour {len(etabs)} établissements : "
                    "un seul dossier ouvert par établissement et programme. Augmentez le nombre "
                    "d'établissements."
                )
            ordre = etabs[:]
            rng.shuffle(ordre)
            ghts = self._planifier_ghts(len(etabs) - ouverts) if code == PROGRAMME_GHT else {}
            if ghts:
                # The supports first (each gets an open dossier, made a GHT one below); the
                # other candidates get no open dossier of their own in this programme.
                reserves = {e.id for membres in ghts.values() for e in membres}
                supports = [e for e in ordre if e.id in ghts]
                ordre = supports + [e for e in ordre if e.id not in reserves]
            libres = iter(ordre)
            liste = [e for e, n in etats.items() for _ in range(n)]
            rng.shuffle(liste)
            for etat in liste:
                etab = ordre[rng.randrange(len(ordre))] if etat in ETATS_REFUSES else next(libres)
                d = PlanDossier(
                    id=prochain, programme=code, etab=etab, etat=etat, graine=rng.getrandbits(48)
                )
                prochain += 1
                self._planifier_dates(d)
                self._planifier_contenu(d)
                if etat not in ETATS_REFUSES and etab.id in ghts:
                    d.ght_id, d.membres = etab.ght_id, ghts[etab.id]
                self.dossiers.append(d)
            self._ght_vitrine_acceptee(code)
            # Pending requests: établissements without an open dossier in this programme.
            sans_dossier = list(libres)
            attente = repartir(self.demandes, PART_DEMANDES)[code]
            for etab in sans_dossier[:attente]:
                demandee = self.maintenant - timedelta(seconds=rng.randrange(0, 90 * 86_400))
                self.demandes_en_attente.append((code, etab, demandee, None))
            for etab in sans_dossier[attente : attente + max(1, attente // 20)]:
                demandee = self.maintenant - timedelta(seconds=rng.randrange(60, 300) * 86_400)
                self.demandes_en_attente.append((code, etab, demandee, demandee + 20 * JOUR))
        self._choisir_vitrines()
        # Dossiers come from a request (70%); dossier numbers follow their creation date.
        prochain_demande = prochain_id(DemandeInitialisation)
        for d in self.dossiers:
            if rng.random() < 0.7 and not d.ght_id:
                d.demande_id = prochain_demande
                prochain_demande += 1
                d.demandee_le = d.cree_le - timedelta(seconds=rng.randrange(86_400, 40 * 86_400))
        self._numeroter()

    def _planifier_ghts(self, disponibles: int) -> dict[int, list[PlanEtab]]:
        """{support id: candidate members (the support first)} of the GHT that apply: about
        one in five, 2 to 12 candidates among the GHT's établissements, the support always one
        of them. The first GHT with enough établissements gets ``MEMBRES_MAX`` (the bench's
        showcase). ``disponibles``: how many établissements may go without an open dossier of
        their own (the candidates other than the support). Its own generator: the rest of the
        plan does not move."""
        rng = random.Random(self.referentiel.graine + 15)
        par_ght: dict[int, list[PlanEtab]] = {}
        for e in self.referentiel.etabs:
            if e.ght_id is not None:
                par_ght.setdefault(e.ght_id, []).append(e)
        etabs = {e.id: e for e in self.referentiel.etabs}
        resultat: dict[int, list[PlanEtab]] = {}
        vitrine = False
        for ght_id, _nom, _region, support_id in self.referentiel.ghts:
            autres = [e for e in par_ght.get(ght_id, []) if e.id != support_id]
            if support_id not in etabs or not autres or disponibles <= 0:
                continue
            if not vitrine and len(autres) + 1 >= MEMBRES_MAX:
                n, vitrine = MEMBRES_MAX, True
            elif rng.random() < PART_GHT:
                n = rng.randint(2, MEMBRES_MAX)
            else:
                continue
            n = min(n - 1, len(autres), disponibles)
            disponibles -= n
            membres = [etabs[support_id], *rng.sample(autres, n)]
            resultat[support_id] = sorted(membres, key=lambda e: e.finess)
        return resultat

    def _ght_vitrine_acceptee(self, code: str):
        """The largest GHT dossier made an accepted one (the bench reads it whole): it swaps
        its établissement with an accepted single-ES dossier of the programme."""
        ght = max(
            (d for d in self.dossiers if d.programme == code and d.ght_id),
            key=lambda d: len(d.membres),
            default=None,
        )
        if ght is None or ght.etat == "accepte":
            return
        autre = next(
            (
                d
                for d in self.dossiers
                if d.programme == code and d.etat == "accepte" and not d.ght_id
            ),
            None,
        )
        if autre is None:
            return
        ght.etab, autre.etab = autre.etab, ght.etab
        autre.ght_id, autre.membres, ght.ght_id, ght.membres = ght.ght_id, ght.membres, None, []

    def _choisir_vitrines(self):
        """The dossiers the benchmark reads: a full accepted HOP'EN dossier and a deposited one
        in région 84 (single établissements'), the largest GHT dossier, ES A's full HN one."""

        def premier(code, etat):
            return next(
                (
                    d
                    for d in self.dossiers
                    if d.programme == code
                    and d.etat == etat
                    and d.etab.region_code == "84"
                    and not d.ght_id  # a single établissement's: the GHT showcase is apart
                ),
                None,
            )

        plein = premier("HOPEN", "accepte")
        if plein is not None:
            self._remplir(plein)
            plein.commentaires = 3
            self.vitrines["pdf"] = plein
        depose = premier("HOPEN", "depose")
        if depose is not None:
            self._remplir(depose)
            self.vitrines["instruction"] = depose
        ght = max(
            (d for d in self.dossiers if d.ght_id and d.etat in ("accepte", "depose")),
            key=lambda d: (len(d.membres), d.etat == "accepte", -d.id),
            default=None,
        )
        if ght is not None:
            self._remplir(ght)
            self.vitrines["ght"] = ght
        es_a = Etablissement.objects.filter(finess="690000013").select_related("region").first()
        gestionnaire = self.comptes.utilisateur("es_gestionnaire")
        if es_a is not None and gestionnaire is not None:
            etab = PlanEtab(
                id=es_a.pk,
                finess=es_a.finess,
                raison_sociale=es_a.raison_sociale,
                region_id=es_a.region_id,
                region_code=es_a.region.code,
                statut=es_a.statut,
                kind="ch",
                gestionnaire_id=gestionnaire,
            )
            d = PlanDossier(
                id=self.dossiers[-1].id + 1 if self.dossiers else 1,
                programme="HN",
                etab=etab,
                etat="accepte",
                graine=self.rng.getrandbits(48),
            )
            self._planifier_dates(d)
            self._planifier_contenu(d)
            self._remplir(d)
            self.dossiers.append(d)
            self.vitrines["es"] = d

    def _remplir(self, d: PlanDossier):
        """Every domaine requested and started; selected when the dossier is accepted."""
        rng = random.Random(d.graine)
        d.saisie = "complete"
        d.mutualise = True
        d.contacts = 4
        fin = 2017 if d.programme == "HN" else 2022
        for _pk, code in self.programmes[d.programme]["domaines"]:
            d.domaines[code] = (
                True,
                "deploiement",
                date(fin, 6, 30),
                Decimal(rng.randrange(40, 900) * 1000),
            )
            if d.etat in ("accepte", "clos"):
                d.selection[code] = "selectionne"

    def _planifier_dates(self, d: PlanDossier):
        rng = self.rng
        t = self.maintenant

        def il_y_a(jours_min, jours_max):
            return t - timedelta(seconds=rng.randrange(jours_min * 86_400, jours_max * 86_400))

        etat = d.etat
        if etat == "en_saisie":
            d.cree_le = il_y_a(0, 200)
            return
        if etat in ETATS_REFUSES:
            dernier = il_y_a(900, 1400)
        elif etat in ("accepte", "clos"):
            dernier = il_y_a(150, 880)
        elif etat == "depose":
            dernier = il_y_a(1, 110)  # echeance (4 months) still ahead: nothing due
        else:  # reporte: the last dépôt was sent back
            dernier = il_y_a(20, 200)
        redepose = etat != "reporte" and rng.random() < 0.15
        if redepose:
            premier = dernier - timedelta(seconds=rng.randrange(30 * 86_400, 90 * 86_400))
            d.depots = [premier, dernier]
            d.reporte_le = [premier + timedelta(seconds=rng.randrange(86_400, 25 * 86_400))]
        else:
            d.depots = [dernier]
        d.cree_le = d.depots[0] - timedelta(seconds=rng.randrange(10 * 86_400, 120 * 86_400))
        jour_depot = date_paris(dernier)
        d.echeance = echeance_decision(jour_depot)
        if etat == "reporte":
            rapporte = dernier + timedelta(seconds=rng.randrange(86_400, 18 * 86_400))
            d.reporte_le.append(min(rapporte, t))
            d.echeance = None
        elif etat == "refuse_implicite":
            d.decide_le = d.echeance
        elif etat in ("refuse", "accepte", "clos"):
            d.decide_le = jour_depot + timedelta(days=rng.randrange(15, 110))
            if etat == "refuse":
                d.motif_refus = choix(rng, MOTIFS_REFUS)
            if etat == "clos":
                d.clos_le = min(d.decide_le + timedelta(days=rng.randrange(90, 600)), t.date())
                d.motif_cloture = rng.choice(MOTIFS_CLOTURE)

    def _planifier_contenu(self, d: PlanDossier):
        rng = self.rng
        prog = self.programmes[d.programme]
        if d.etat == "en_saisie":
            d.saisie = choix(rng, [("vide", 20), ("engagements", 20), ("partielle", 60)])
            d.contacts = 0 if d.saisie != "partielle" else rng.choice([0, 2, 4, 4])
        d.mutualise = rng.random() < 0.3
        codes = [c for _, c in prog["domaines"]]
        if d.saisie in ("vide", "engagements"):
            return
        nb = min(len(codes), choix(rng, [(1, 25), (2, 35), (3, 25), (4, 10), (5, 5)]))
        demandes = set(rng.sample(codes, nb))
        fin = 2017 if d.programme == "HN" else 2022
        for code in codes:
            if code in demandes:
                avancement = choix(rng, [("deploiement", 60), ("etude", 32), ("non_demarre", 8)])
                d.domaines[code] = (
                    True,
                    avancement,
                    date(fin, rng.randint(1, 12), 28),
                    Decimal(rng.randrange(40, 900) * 1000),
                )
            else:
                d.domaines[code] = (False, "", None, None)
        prerequis = [c for _, c in prog["prerequis"]]
        if d.etat in ("accepte", "clos"):
            d.prerequis = dict.fromkeys(prerequis, "accepte")
            choisis = [c for c in codes if c in demandes and rng.random() < 0.8]
            if not choisis:
                choisis = [sorted(demandes)[0]]
            d.selection = {
                c: "selectionne" if c in choisis else "non_selectionne" for c in sorted(demandes)
            }
        elif (d.etat == "refuse" and d.motif_refus == "prerequis") or (
            d.etat == "reporte" and rng.random() < 0.5
        ):
            refuse = rng.choice(prerequis)
            d.prerequis = {c: "non_accepte" if c == refuse else "accepte" for c in prerequis}
        elif d.etat == "depose" and rng.random() < 0.3:
            d.prerequis = dict.fromkeys(prerequis[: rng.randint(1, len(prerequis))], "accepte")
        if d.etat != "en_saisie" and rng.random() < 0.25:
            d.commentaires = rng.randint(1, 2)

    def _numeroter(self):
        """``RR-AAAAMMJJ-NNN``: région, Paris creation date, rank in the région that day,
        after the dossiers already there."""
        rangs = Counter(
            n.rsplit("-", 1)[0] for n in Dossier.objects.values_list("numero", flat=True)
        )
        for d in sorted(self.dossiers, key=lambda d: (d.cree_le, d.id)):
            prefixe = f"{d.etab.region_code}-{date_paris(d.cree_le):%Y%m%d}"
            rangs[prefixe] += 1
            if rangs[prefixe] > 999:
                raise ValueError(f"Plus de 999 dossiers le même jour : {prefixe}.")
            d.numero = f"{prefixe}-{rangs[prefixe]:03d}"

    # --- per-dossier content ----------------------------------------------------------------

    def valeurs(self, d: PlanDossier) -> list[tuple[int, str, str | None, bool]]:
        """(indicateur id, code, valeur, non applicable): every indicator once the ES has
        deposited; a part of them while it types. Deterministic per dossier."""
        if d.saisie in ("vide", "engagements"):
            return []
        rng = random.Random(d.graine)
        indicateurs = self.programmes[d.programme]["indicateurs"]
        if d.saisie == "partielle":
            indicateurs = indicateurs[: rng.randint(0, len(indicateurs))]
        result = []
        for pk, code, type_, cible, prerequis, _domaine in indicateurs:
            if prerequis is not None:  # mostly met at dépôt
                if type_ == "existence":
                    valeur = VALEURS[100] if rng.random() < 0.95 else VALEURS[0]
                elif rng.random() < 0.9:
                    valeur = VALEURS[rng.randint(cible or 0, 100)]
                else:
                    valeur = VALEURS[rng.randint(0, max((cible or 50) - 1, 0))]
                result.append((pk, code, valeur, False))
            elif rng.random() < 0.01:
                result.append((pk, code, None, True))
            elif type_ == "existence":
                result.append((pk, code, VALEURS[100] if rng.random() < 0.3 else VALEURS[0], False))
            else:
                result.append((pk, code, VALEURS[rng.randint(0, 95)], False))
        if d.ght_id:
            # A GHT dossier's domaine indicators are per member (:meth:`valeurs_membres`).
            return [v for v, ind in zip(result, indicateurs, strict=False) if ind[4] is not None]
        return result

    def forfaits(self, d: PlanDossier) -> dict[str, int]:
        """Standard forfait of each domaine: the établissement's, or for a GHT dossier the sum
        of its candidate members' own (``hn.referentiel.regles.forfaits_sommes``)."""
        if not d.ght_id:
            return self.referentiel.forfaits(d.etab.id, d.programme)
        totaux: Counter = Counter()
        for membre in d.membres:
            totaux.update(self.referentiel.forfaits(membre.id, d.programme))
        return dict(totaux)

    def valeurs_membres(self, d: PlanDossier) -> list[tuple[int, int, str | None, bool]]:
        """(indicateur id, établissement id, valeur, non applicable) of a GHT dossier: each
        candidate member's value of every indicator of the requested domaines [SPEC §10],
        once the support has started typing them. Deterministic per dossier."""
        if not d.ght_id or d.saisie in ("vide", "engagements"):
            return []
        rng = random.Random(d.graine + 2)
        demandes = {code for code, dom in d.domaines.items() if dom[0]}
        result = []
        for membre in d.membres:
            for pk, _code, type_, _cible, _prerequis, domaine in self.programmes[d.programme][
                "indicateurs"
            ]:
                if domaine not in demandes:
                    continue
                if type_ == "existence":
                    valeur = VALEURS[100] if rng.random() < 0.4 else VALEURS[0]
                else:
                    valeur = VALEURS[rng.randint(0, 100)]
                result.append((pk, membre.id, valeur, False))
        return result

    def contacts(self, d: PlanDossier) -> list[tuple[str, str, str, str, str]]:
        rng = random.Random(d.graine + 1)
        result = []
        for type_ in list(FONCTIONS)[: d.contacts]:
            prenom, nom = rng.choice(PRENOMS), rng.choice(NOMS_FAMILLE)
            result.append(
                (
                    type_,
                    f"{prenom} {nom}",
                    FONCTIONS[type_],
                    f"{prenom}.{nom}.{d.etab.finess}@etab.localhost".lower(),
                    f"0{rng.randint(1, 5)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                )
            )
        return result

    def textes(self, d: PlanDossier) -> dict:
        if d.saisie in ("vide", "engagements"):
            return dict.fromkeys(TEXTES, "")
        textes = dict(TEXTES)
        if not d.mutualise:
            textes["partenaires"] = ""
        return textes

    def engagements(self, d: PlanDossier) -> list[str]:
        return [] if d.saisie == "vide" else self.programmes[d.programme]["engagements"]

    def contenu(self, d: PlanDossier) -> dict:
        """The content dict of ``dossiers.contenu.contenu`` for the generated rows."""
        contacts = {c[0]: c for c in self.contacts(d)}
        valeurs = {v[0]: v for v in self.valeurs(d)}
        textes = self.textes(d)
        return {
            "engagements": self.engagements(d),
            "commentaire_etablissement": textes["commentaire_etablissement"],
            "commentaire_contacts": textes["commentaire_contacts"],
            "contacts": [
                {
                    "type": t.value,
                    "nom": contacts[t.value][1] if t.value in contacts else "",
                    "fonction": contacts[t.value][2] if t.value in contacts else "",
                    "email": contacts[t.value][3] if t.value in contacts else "",
                    "telephone": contacts[t.value][4] if t.value in contacts else "",
                }
                for t in TypeContact
                if d.ght_id or t != TypeContact.DSI_GHT
            ],
            "mutualise": d.mutualise,
            "partenaires": textes["partenaires"],
            "description_projet": textes["description_projet"],
            "motivation": textes["motivation"],
            "domaines": [
                {
                    "code": code,
                    "demande": dom[0],
                    "avancement": dom[1],
                    "date_cible": dom[2].isoformat() if dom[2] else None,
                    "cout": None if dom[3] is None else f"{dom[3]:.2f}",
                }
                for code, dom in (
                    (code, d.domaines.get(code, (False, "", None, None)))
                    for _, code in self.programmes[d.programme]["domaines"]
                )
            ],
            "indicateurs": [
                {
                    "code": code,
                    "valeur": valeurs[pk][2] if pk in valeurs else None,
                    "non_applicable": bool(pk in valeurs and valeurs[pk][3]),
                }
                for pk, code, *_ in self.programmes[d.programme]["indicateurs"]
            ],
            **(self._contenu_ght(d) if d.ght_id else {}),
            "pieces": [],
        }

    def _contenu_ght(self, d: PlanDossier) -> dict:
        """What ``dossiers.contenu.contenu`` adds for a GHT dossier: each member's domaine values
        (by FINESS, then indicator), the GHT conditions (left at their defaults here)."""
        valeurs = {(v[0], v[1]): v for v in self.valeurs_membres(d)}
        return {
            "indicateurs_membres": [
                {
                    "finess": membre.finess,
                    "code": code,
                    "valeur": valeurs[(pk, membre.id)][2] if (pk, membre.id) in valeurs else None,
                    "non_applicable": bool(
                        (pk, membre.id) in valeurs and valeurs[(pk, membre.id)][3]
                    ),
                }
                for membre in sorted(d.membres, key=lambda e: e.finess)
                for pk, code, _type, _cible, _prerequis, domaine in self.programmes[d.programme][
                    "indicateurs"
                ]
                if domaine is not None
            ],
            "validation_directeur_support": False,
            "dsi_ght_valide": False,
            "convergence": {},
        }
