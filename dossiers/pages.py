"""The dossier's pages, as DIPISI numbers them [000 A9 §3-11]: 1 Engagements, 2 Établissement,
3 Contacts, 4 DSI et directeur, then one page per prérequis (5-7 for HN), the project page
(domaines), one indicator page per requested domaine whose avancement is not "non démarré"
(pagination shifts), and the cost page. Built from the programme's data, never hard-coded."""

from dataclasses import dataclass

from dossiers.enums import Avancement


@dataclass(frozen=True)
class Page:
    numero: int
    slug: str
    titre: str
    prerequis_id: int | None = None
    domaine_id: int | None = None


def pages(dossier) -> list[Page]:
    result = [
        Page(1, "engagements", "Engagements"),
        Page(2, "etablissement", "Établissement"),
        Page(3, "contacts", "Contact et responsable du projet"),
        Page(4, "direction", "DSI et directeur"),
    ]
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
    for dd in dossier.domaines.all():
        if dd.demande and dd.avancement and dd.avancement != Avancement.NON_DEMARRE:
            result.append(
                Page(
                    len(result) + 1,
                    f"domaine-{dd.domaine.code}",
                    f"Indicateurs {dd.domaine.code} — {dd.domaine.libelle}",
                    domaine_id=dd.domaine_id,
                )
            )
    result.append(Page(len(result) + 1, "couts", "Coût du projet et soutien financier"))
    return result
