"""A journal row as its reader sees it: who, the French sentence, the state change, the
before/after values as labelled rows (never a dict's repr), and the same as a file's row.

Reading rows costs the same number of queries whatever their number: the caller's queryset
is read once, with its actor."""

from dataclasses import dataclass, field

from django.core.exceptions import ObjectDoesNotExist

from hn.journal.libelles import (
    ACTIONS,
    CHAMPS,
    DETAILS,
    VIDE,
    libelle_action,
    libelle_champ,
    texte_valeur,
)
from hn.journal.models import SYSTEME

LE_SYSTEME = "Le système"
IDENTIFIANTS = ("code", "type", "id", "piece")
ENTETES_HISTORIQUE = ["Date", "Qui", "Action", "Description", "Avant / après", "Commentaire"]
ENTETES_JOURNAL = ["Date", "Qui", "Action", "Objet", "Description", "Avant / après", "Commentaire"]
RESERVE = "Données en cours de saisie, réservées à l’établissement."


@dataclass(frozen=True)
class Ligne:
    libelle: str
    avant: str
    apres: str


@dataclass
class Entree:
    evenement: object
    acteur: str
    action: str
    phrase: str
    transition: str = ""
    lignes: list[Ligne] = field(default_factory=list)
    commentaire: str = ""
    visibles: bool = True

    @property
    def description(self) -> str:
        return f"{self.phrase} ({self.transition})" if self.transition else self.phrase

    def avant_apres(self) -> str:
        """The rows as one text cell: "Label : before → after ; ..."."""
        if not self.visibles:
            return RESERVE
        return " ; ".join(f"{x.libelle} : {x.avant} → {x.apres}" for x in self.lignes)


def nom_acteur(evenement) -> str:
    """The actor's full name when the account has one, else its username; "Le système"."""
    if evenement.acteur_id is None and evenement.acteur_nom == SYSTEME:
        return LE_SYSTEME
    try:
        acteur = evenement.acteur
    except ObjectDoesNotExist:  # the account was deleted: its name is kept
        acteur = None
    return (acteur.get_full_name() if acteur is not None else "") or evenement.acteur_nom


def lire(evenements, user) -> list[Entree]:
    """The rows of ``evenements`` for ``user`` (a queryset with ``select_related("acteur")``:
    one query whatever the number of rows)."""
    return [entree(e, user) for e in evenements]


def entree(evenement, user) -> Entree:
    action = ACTIONS.get(evenement.action)
    visibles = evenement.valeurs_lisibles_par(user)
    nom = nom_acteur(evenement)
    avant = evenement.avant if isinstance(evenement.avant, dict) else {}
    apres = evenement.apres if isinstance(evenement.apres, dict) else {}
    phrase = action.phrase if action else "{acteur} : " + libelle_action(evenement.action)
    phrase = phrase.format(acteur=nom)
    resultat = Entree(evenement, nom, libelle_action(evenement.action), phrase, visibles=visibles)
    if "etat" in avant or "etat" in apres:
        etats = [texte_valeur("etat", d["etat"], action) for d in (avant, apres) if "etat" in d]
        resultat.transition = " → ".join(etats)
    if not visibles:
        return resultat
    if action is not None and action.resume is not None:
        complement = action.resume(avant, apres)
        if complement:
            resultat.phrase = f"{phrase} — {complement}"
    if resultat.transition:  # said once, as the state change
        avant, apres = ({k: v for k, v in d.items() if k != "etat"} for d in (avant, apres))
    resultat.lignes = list(_lignes(avant, apres, "", "", action, evenement.objet_type))
    resultat.commentaire = evenement.commentaire
    return resultat


# --- before/after as labelled rows ----------------------------------------------------------------


def _cles(*dicts) -> list:
    vues = {}
    for d in reversed(dicts):
        vues.update(dict.fromkeys(d))
    return list(vues)


def _lignes(avant: dict, apres: dict, prefixe, parent, action, objet_type):
    for cle in _cles(avant, apres):
        a, b = avant.get(cle), apres.get(cle)
        libelle = libelle_champ(cle, action, parent=parent, objet_type=objet_type)
        nom = f"{prefixe} — {libelle}" if prefixe else libelle
        chemin = f"{parent}.{cle}" if parent else cle
        if cle in DETAILS:
            da = dict(DETAILS[cle](a)) if a else {}
            db = dict(DETAILS[cle](b)) if b else {}
            for sous in _cles(da, db):
                yield Ligne(f"{nom} — {sous}", da.get(sous, VIDE), db.get(sous, VIDE))
        elif _objets(a) or _objets(b):
            yield from _liste(a or [], b or [], cle, nom, action, objet_type)
        elif isinstance(a, dict) or isinstance(b, dict):
            a, b = (x if isinstance(x, dict) else {} for x in (a, b))
            yield from _lignes(a, b, nom, cle, action, objet_type)
        else:
            ligne = Ligne(nom, texte_valeur(chemin, a, action), texte_valeur(chemin, b, action))
            if ligne.avant != VIDE or ligne.apres != VIDE:
                yield ligne


def _objets(valeur) -> bool:
    return isinstance(valeur, list) and bool(valeur) and all(isinstance(v, dict) for v in valeur)


def _vide(valeur) -> bool:
    return valeur is None or valeur == "" or valeur == [] or valeur == {}


def _index(objets) -> dict:
    """A list of objects by their identifier (a domaine's code, a contact's type, ...)."""
    if not isinstance(objets, list):
        return {}
    index = {}
    for rang, objet in enumerate(objets, start=1):
        if not isinstance(objet, dict):
            continue
        cle = next((c for c in IDENTIFIANTS if objet.get(c) not in (None, "")), None)
        index[(cle, objet[cle]) if cle else (None, rang)] = objet
    return index


def _liste(avant, apres, cle, nom, action, objet_type):
    """Only what changed in each object of a list, named by its identifier."""
    ia, ib = _index(avant), _index(apres)
    singulier = CHAMPS.get(f"{cle}[]", nom)
    for ident in _cles(ia, ib):
        da, db = ia.get(ident, {}), ib.get(ident, {})
        id_cle, id_valeur = ident
        differents = [
            k
            for k in _cles(da, db)
            if k != id_cle
            and da.get(k) != db.get(k)
            and not (_vide(da.get(k)) and _vide(db.get(k)))
        ]
        if not differents:
            continue
        ident_texte = texte_valeur(f"{cle}.{id_cle}", id_valeur, action) if id_cle else id_valeur
        if not str(ident_texte).lower().startswith(singulier.lower()):
            ident_texte = f"{singulier} {ident_texte}"
        yield from _lignes(
            {k: da.get(k) for k in differents if k in da},
            {k: db.get(k) for k in differents if k in db},
            ident_texte,
            cle,
            action,
            objet_type,
        )


# --- the same as a file's rows --------------------------------------------------------------------


def ligne_fichier(e: Entree, *, objet: bool) -> list:
    colonnes = [e.evenement.horodatage, e.acteur, e.action]
    if objet:
        colonnes.append(e.evenement.objet_libelle)
    return [*colonnes, e.description, e.avant_apres(), e.commentaire]
