"""The dossier's pages, as DIPISI numbers them [000 A9 §3-11]: 1 Engagements, 2 Établissement,
3 Contacts, 4 DSI et directeur, (5 GHT for a GHT dossier), then one page per prérequis (5-7 for
HN), the project page (domaines), one indicator page per requested domaine whose avancement is
not "non démarré" (pagination shifts), and the cost page.
Built from the programme's data, never hard-coded."""

from dataclasses import dataclass

from dossiers.enums import Avancement


@dataclass(frozen=True)
class Page:
    numero: int
    slug: str
    titre: str
    prerequis_id: int | None = None
    domaine_id: int | None = None


def pages(dossier, contenu: dict | None = None) -> list[Page]:
    """The dossier's pages. With ``contenu`` (a content dict, e.g. a deposited snapshot), the
    domaine pages follow that content's requested and started domaines instead of the live
    rows: what the ARS reads is the last dépôt, even while the ES edits a reported dossier."""
    result = [
        Page(1, "engagements", "Engagements"),
        Page(2, "etablissement", "Établissement"),
        Page(3, "contacts", "Contact et responsable du projet"),
        Page(4, "direction", "DSI et directeur"),
    ]
    if dossier.est_ght:  # the GHT conditions [SPEC §10], entered by the support
        result.append(Page(5, "ght", "GHT : membres et conditions"))
    for prerequis in dossier.programme.prerequis.all():
        result.append(
            Page(
                len(result) + 1,
                f"prerequis-{prerequis.code}",
                f"Prérequis {prerequis.code} — {prerequis.libelle}",
                prerequis_id=prerequis.pk,
            )
        )
    result.append(Page(len(result) + 1, "projet", "Projet et domaines fonctionnels"))
    if contenu is None:
        demarres = [
            dd.domaine
            for dd in dossier.domaines.select_related("domaine")
            if dd.demande and dd.avancement and dd.avancement != Avancement.NON_DEMARRE
        ]
    else:
        codes = {
            d["code"]
            for d in contenu.get("domaines", [])
            if d.get("demande") and d.get("avancement") not in ("", None, Avancement.NON_DEMARRE)
        }
        demarres = [d for d in dossier.programme.domaines.all() if d.code in codes]
    for domaine in demarres:
        result.append(
            Page(
                len(result) + 1,
                f"domaine-{domaine.code}",
                f"Indicateurs {domaine.code} — {domaine.libelle}",
                domaine_id=domaine.pk,
            )
        )
    result.append(Page(len(result) + 1, "couts", "Coût du projet et soutien financier"))
    return result
