"""The error responses of API.md, declared once for every operation of the OpenAPI schema
(drf-spectacular ``POSTPROCESSING_HOOKS``), so that the schema says what the API answers:

- 400 ``{"detail", "errors": {champ: [messages]}}``, to any operation (a query parameter or a
  body refused, a NUL in the address);
- 401, 403, 404 ``{"detail"}`` to every operation but ``auth/token/`` (which answers 401 to
  wrong credentials);
- 409 ``{"detail", "etat" | "manquants" …}`` to writes; 413 and 415 to operations with a body;
- 429 to ``auth/token/`` (login throttling).
"""

ERREUR = {
    "type": "object",
    "description": "Erreur (API.md) : un message en français, et selon le cas `etat`, `manquants`.",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "additionalProperties": True,
}
ERREUR_VALIDATION = {
    "type": "object",
    "description": "Données invalides : un résumé et les messages par champ.",
    "properties": {
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["detail", "errors"],
}
DESCRIPTIONS = {
    "400": "Données invalides.",
    "401": "Authentification requise.",
    "403": "Votre rôle ne permet pas cette action.",
    "404": "Ressource introuvable ou hors de votre périmètre.",
    "405": "Méthode non autorisée.",
    "409": "Action impossible dans l'état actuel.",
    "413": "Requête trop volumineuse.",
    "415": "Type de contenu non pris en charge.",
    "429": "Trop de tentatives : réessayez plus tard.",
}
ECRITURES = {"post", "put", "patch", "delete"}


def _reponse(code: str) -> dict:
    nom = "ErreurValidation" if code == "400" else "Erreur"
    return {
        "description": DESCRIPTIONS[code],
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{nom}"}}},
    }


def codes_d_erreur(chemin: str, methode: str, operation: dict) -> list[str]:
    codes = ["400", "401", "403", "404", "405"]
    if methode in ECRITURES:
        codes.append("409")
    if "requestBody" in operation or methode in ECRITURES:
        codes += ["413", "415"]
    if chemin.endswith("/auth/token/"):
        codes.append("429")
    return codes


def erreurs_documentees(result, generator, request, public):
    """Postprocessing hook: add the error responses (and their two shapes) where missing."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Erreur", ERREUR)
    schemas.setdefault("ErreurValidation", ERREUR_VALIDATION)
    for chemin, operations in result.get("paths", {}).items():
        for methode, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code in codes_d_erreur(chemin, methode, operation):
                operation["responses"].setdefault(code, _reponse(code))
    return result
