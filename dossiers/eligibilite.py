"""Eligibility checks (SPEC §6), shown to the ES before its dépôt and to the ARS before its
decision. Which checks apply, with which parameters, is programme data
(``Programme.eligibilite``); this module only knows how to evaluate each kind of rule.

Every check reads the dossier's content as the caller sees it (the ES's live data, or the
ARS's deposited snapshot), so the ARS evaluates exactly what was deposited.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from dossiers.enums import CategoriePiece, TypeContact
from hn.dates import aujourd_hui
from hn.formats import accorder, compter


@dataclass
class Controle:
    libelle: str
    ok: bool
    bloquant: bool
    details: list[str] = field(default_factory=list)
    source: str = ""


class _Contexte:
    def __init__(self, dossier, contenu):
        self.dossier = dossier
        self.programme = dossier.programme
        self.contenu = contenu
        self.valeurs = {i["code"]: i for i in contenu.get("indicateurs", [])}
        # A GHT dossier's domaine indicators: one value per candidate member [SPEC §10].
        self.valeurs_membres: dict[str, list[dict]] = {}
        for v in contenu.get("indicateurs_membres") or []:
            self.valeurs_membres.setdefault(v["code"], []).append(v)
        self.indicateurs = list(self.programme.indicateurs.select_related("prerequis", "domaine"))
        self.demandes = [d["code"] for d in contenu.get("domaines", []) if d.get("demande")]

    def _par_membre(self, ind) -> bool:
        return bool(
            self.dossier.ght_id and ind.domaine_id and "indicateurs_membres" in self.contenu
        )

    @staticmethod
    def _atteint(ind, v) -> bool | None:
        if v.get("non_applicable"):
            return None
        if v.get("valeur") in (None, ""):
            return False
        valeur = Decimal(v["valeur"])
        return ind.est_atteint(valeur >= 100 if ind.type == "existence" else valeur)

    def atteint(self, ind) -> bool | None:
        """Whether ``ind`` meets its target (None: non applicable). A GHT dossier's domaine
        indicator: met only when every candidate member meets it, non applicable when every
        member declares it so."""
        if not self._par_membre(ind):
            return self._atteint(ind, self.valeurs.get(ind.code) or {})
        membres = self.valeurs_membres.get(ind.code, [])
        resultats = [self._atteint(ind, v) for v in membres]
        if not resultats or False in resultats:
            return False
        applicables = [
            r for r, v in zip(resultats, membres, strict=True) if not v.get("non_applicable")
        ]
        if applicables and all(r is True for r in applicables):
            return True
        return None  # every member non applicable, or a target not fixed

    def non_applicable(self, ind) -> bool:
        if not self._par_membre(ind):
            return bool((self.valeurs.get(ind.code) or {}).get("non_applicable"))
        membres = self.valeurs_membres.get(ind.code, [])
        return bool(membres) and all(v.get("non_applicable") for v in membres)

    def du_domaine(self, code):
        return [i for i in self.indicateurs if i.domaine_id and i.domaine.code == code]


def _prerequis_atteints(ctx, regle):
    manquants = [i.code for i in ctx.indicateurs if i.prerequis_id and ctx.atteint(i) is False]
    return Controle(
        "Tous les indicateurs des prérequis atteignent leur cible",
        not manquants,
        regle.get("bloquant", True),
        [f"Non atteints : {', '.join(manquants)}."] if manquants else [],
    )


def _justificatifs_prerequis(ctx, regle):
    avec_piece = {
        p.get("prerequis")
        for p in ctx.contenu.get("pieces", [])
        if p.get("categorie") == CategoriePiece.JUSTIFICATIF_PREREQUIS
    }
    sans = [p.code for p in ctx.programme.prerequis.all() if p.code not in avec_piece]
    return Controle(
        "Un justificatif est joint pour chaque prérequis",
        not sans,
        regle.get("bloquant", True),
        [f"Sans justificatif : {', '.join(sans)}."] if sans else [],
    )


def _projet_non_termine(ctx, regle):
    minimum = int(regle.get("min_non_atteints", 2))
    termines = []
    for code in ctx.demandes:
        non_atteints = [i for i in ctx.du_domaine(code) if ctx.atteint(i) is False]
        if len(non_atteints) < minimum:
            termines.append(
                f"{code} ({compter(len(non_atteints), 'indicateur(s) non atteint(s)')})"
            )
    return Controle(
        f"Le projet n'est pas terminé : au moins {minimum} indicateurs du domaine non atteints",
        not termines,
        regle.get("bloquant", True),
        [f"{accorder(len(termines), 'Domaine(s) inéligible(s)')} : {', '.join(termines)}."]
        if termines
        else [],
    )


def _max_non_applicables(ctx, regle):
    maximum = int(regle.get("max", 1))
    trop = []
    for code in ctx.demandes:
        n = sum(1 for i in ctx.du_domaine(code) if ctx.non_applicable(i))
        if n > maximum:
            trop.append(f"{code} ({n})")
    return Controle(
        f"Au plus {maximum} indicateur non applicable par domaine",
        not trop,
        regle.get("bloquant", True),
        [f"{accorder(len(trop), 'Domaine(s) inéligible(s)')} : {', '.join(trop)}."] if trop else [],
    )


def _domaines_conditionnes(ctx, regle):
    conditionnes = [c for c in regle.get("domaines", []) if c in ctx.demandes]
    avec = regle.get("avec", [])
    ok = not conditionnes or any(c in ctx.demandes for c in avec)
    return Controle(
        f"{' et '.join(regle.get('domaines', []))} : cibles HN atteintes sur "
        f"{' ou '.join(avec)}, ou candidature conjointe",
        ok,
        regle.get("bloquant", True),
        []
        if ok
        else [
            f"{', '.join(conditionnes)} {accorder(len(conditionnes), 'demandé(s)')} sans "
            f"{' ni '.join(avec)} : à vérifier "
            "(cibles HN atteintes) par l'ARS."
        ],
    )


def _engagement(ctx, regle):
    engagement = ctx.programme.engagements.filter(code=regle["code"]).first()
    libelle = engagement.libelle if engagement else regle["code"]
    ok = regle["code"] in ctx.contenu.get("engagements", [])
    return Controle(
        f"Déclaration de l'établissement : {libelle}",
        ok,
        regle.get("bloquant", True),
        [] if ok else ["Engagement non coché."],
    )


def _date_limite(ctx, regle):
    echeance = ctx.programme.calendrier.filter(code=regle["echeance"]).first()
    if echeance is None:
        return Controle("Date limite de dépôt", False, True, ["Échéance inconnue."])
    reference = ctx.dossier.depose_le.date() if ctx.dossier.depose_le else aujourd_hui()
    ok = reference <= echeance.date
    return Controle(
        f"Dépôt au plus tard le {echeance.date:%d/%m/%Y}",
        ok,
        regle.get("bloquant", True),
        [] if ok else [f"Date de référence : {reference:%d/%m/%Y}."],
    )


# --- GHT conditions [003 §5.3.1; SPEC §10]: only for a GHT dossier (None: not applicable) ---


def indicateurs_de_convergence(indicateurs, demandes) -> list:
    """The convergence indicators a GHT dossier answers: those with a "déclinaison GHT" among
    the prérequis and the requested domaines (``demandes``: codes)."""
    return [
        i
        for i in indicateurs
        if i.declinaison_ght and (i.prerequis_id or (i.domaine_id and i.domaine.code in demandes))
    ]


def _ght_sdsi(ctx, regle):
    if not ctx.dossier.est_ght:
        return None
    # Only the support's gestionnaire adds attachments to the GHT dossier it files.
    ok = any(p.get("categorie") == CategoriePiece.SDSI_GHT for p in ctx.contenu.get("pieces", []))
    return Controle(
        "Schéma directeur SI du GHT déposé par l'établissement support",
        ok,
        regle.get("bloquant", True),
        [] if ok else ["Aucun schéma directeur SI du GHT joint (page GHT)."],
    )


def _ght_convergence(ctx, regle):
    if not ctx.dossier.est_ght:
        return None
    reponses = ctx.contenu.get("convergence") or {}
    sans = [
        i.code
        for i in indicateurs_de_convergence(ctx.indicateurs, ctx.demandes)
        if not isinstance(reponses.get(i.code), bool)
    ]
    return Controle(
        "Indicateurs de convergence du GHT saisis",
        not sans,
        regle.get("bloquant", True),
        [f"Sans réponse : {', '.join(sans)}."] if sans else [],
    )


def _ght_validation_directeur(ctx, regle):
    if not ctx.dossier.est_ght:
        return None
    ok = bool(ctx.contenu.get("validation_directeur_support"))
    return Controle(
        "Dossier validé par le directeur de l'établissement support du GHT",
        ok,
        regle.get("bloquant", True),
        [] if ok else ["Validation du directeur non cochée (page GHT)."],
    )


def _ght_dsi(ctx, regle):
    if not ctx.dossier.est_ght:
        return None
    contact = next(
        (c for c in ctx.contenu.get("contacts", []) if c.get("type") == TypeContact.DSI_GHT), {}
    )
    details = []
    if not (contact.get("nom") or "").strip():
        details.append("DSI du GHT non nommé.")
    if not ctx.contenu.get("dsi_ght_valide"):
        details.append("DSI du GHT non validé par le directeur de l'établissement support.")
    return Controle(
        "DSI du GHT nommé et validé par le directeur de l'établissement support",
        not details,
        regle.get("bloquant", True),
        details,
    )


REGLES = {
    "prerequis_atteints": _prerequis_atteints,
    "justificatifs_prerequis": _justificatifs_prerequis,
    "projet_non_termine": _projet_non_termine,
    "max_non_applicables": _max_non_applicables,
    "domaines_conditionnes": _domaines_conditionnes,
    "engagement": _engagement,
    "date_limite": _date_limite,
    "ght_sdsi": _ght_sdsi,
    "ght_convergence": _ght_convergence,
    "ght_validation_directeur": _ght_validation_directeur,
    "ght_dsi": _ght_dsi,
}


def controles(dossier, contenu) -> list[Controle]:
    """Evaluate the programme's eligibility rules on ``contenu``; unknown rules are reported,
    never silently skipped. A rule returns None where it does not apply (the GHT conditions
    on a single établissement's dossier): no check is shown."""
    if contenu is None:
        return []
    ctx = _Contexte(dossier, contenu)
    result = []
    for regle in dossier.programme.eligibilite:
        evaluer = REGLES.get(regle.get("regle"))
        if evaluer is None:
            result.append(Controle(f"Règle inconnue : {regle.get('regle')}", False, True))
            continue
        controle = evaluer(ctx, regle)
        if controle is None:
            continue
        controle.source = regle.get("source", "")
        result.append(controle)
    return result
