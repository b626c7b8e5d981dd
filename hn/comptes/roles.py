"""Which role exists in which scope, and which rights it carries. The one table of rights."""

from hn.comptes.enums import Perimetre, Role

ROLES_PAR_PERIMETRE = {
    Perimetre.ETABLISSEMENT: (Role.ES_GESTIONNAIRE, Role.ES_LECTEUR, Role.ADMINISTRATEUR),
    Perimetre.ARS: (Role.ARS_VALIDEUR, Role.ARS_LECTEUR, Role.ARS_AUDITEUR, Role.ADMINISTRATEUR),
    Perimetre.NATIONAL: (Role.NATIONAL_PILOTE, Role.NATIONAL_LECTEUR, Role.ADMINISTRATEUR),
}

# Object permissions granted, through the scope's guardian group, on the scope object
# (Etablissement for ES roles, Region for ARS roles); national roles get global permissions.
PERMISSIONS = {
    (Perimetre.ETABLISSEMENT, Role.ES_GESTIONNAIRE): ("consulter_dossiers", "saisir_dossiers"),
    (Perimetre.ETABLISSEMENT, Role.ES_LECTEUR): ("consulter_dossiers",),
    (Perimetre.ETABLISSEMENT, Role.ADMINISTRATEUR): ("administrer_comptes_etablissement",),
    (Perimetre.ARS, Role.ARS_VALIDEUR): ("consulter_dossiers_region", "instruire_dossiers"),
    (Perimetre.ARS, Role.ARS_LECTEUR): ("consulter_dossiers_region",),
    (Perimetre.ARS, Role.ARS_AUDITEUR): ("consulter_dossiers_region", "auditer"),
    (Perimetre.ARS, Role.ADMINISTRATEUR): ("administrer_comptes_region",),
    (Perimetre.NATIONAL, Role.NATIONAL_PILOTE): ("consulter_tout", "piloter"),
    (Perimetre.NATIONAL, Role.NATIONAL_LECTEUR): ("consulter_tout",),
    (Perimetre.NATIONAL, Role.ADMINISTRATEUR): ("administrer_comptes_national",),
}

# Roles that can be held together in one scope: Administrateur is an administrative right
# added to (at most) one functional role; functional roles exclude each other (SPEC §1).
ROLE_CUMULABLE = Role.ADMINISTRATEUR
