#!/usr/bin/env bash
# Restauration d'une sauvegarde de scripts/sauvegarde.sh (docs/EXPLOITATION.md) dans une base
# PostgreSQL NEUVE et VIDE (createdb) et un stockage de pièces jointes vide.
#
#   DATABASE_URL=postgres://.../base_neuve scripts/restauration.sh var/sauvegardes/hn-AAAAMMJJTHHMMSSZ
#
# Pièces jointes : vers le bucket S3 si AWS_STORAGE_BUCKET_NAME est défini (CLI `aws`), sinon
# dans le dossier local HN_MEDIA_DIR (défaut : $HN_VAR_DIR/media), qui doit être vide ou absent.
# Rien n'est écrasé : une base ou un dossier non vide est refusé, et la base est restaurée en
# une seule transaction (en cas d'erreur, elle reste vide).
set -euo pipefail

erreur() { echo "restauration : $*" >&2; exit 1; }

racine=$(cd "$(dirname "$0")/.." && pwd)
var_dir=${HN_VAR_DIR:-$racine/var}
media=${HN_MEDIA_DIR:-$var_dir/media}
sauvegarde=${1:-}

[ -n "$sauvegarde" ] || erreur "indiquez le dossier de la sauvegarde (hn-AAAAMMJJTHHMMSSZ)."
[ -f "$sauvegarde/SHA256SUMS" ] || erreur "$sauvegarde n'est pas une sauvegarde complète (SHA256SUMS absent)."
case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  *) erreur "DATABASE_URL doit désigner la base PostgreSQL neuve (postgres://...), créée par createdb." ;;
esac
for outil in pg_restore psql; do
  command -v "$outil" >/dev/null || erreur "$outil est introuvable (paquet Debian postgresql-client)."
done

# 1. Everything is checked before anything is written.
(cd "$sauvegarde" && sha256sum --check --quiet SHA256SUMS) \
  || erreur "les empreintes SHA-256 ne correspondent pas : sauvegarde altérée, rien n'a été restauré."
tables=$(psql -qtAX --dbname="$DATABASE_URL" \
  -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')") \
  || erreur "base cible injoignable : créez-la d'abord (createdb -O <rôle> <base>)."
[ "$tables" = "0" ] || erreur "la base cible contient déjà $tables table(s) : restaurez dans une base neuve (createdb), rien n'a été modifié."
if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  command -v aws >/dev/null || erreur "la CLI aws est requise pour remplir le bucket S3 (paquet awscli)."
  cible_s3="s3://$AWS_STORAGE_BUCKET_NAME/${AWS_LOCATION:-}"
  options=()
  [ -z "${AWS_S3_ENDPOINT_URL:-}" ] || options+=(--endpoint-url "$AWS_S3_ENDPOINT_URL")
  [ -z "$(aws s3 ls "${options[@]}" "$cible_s3" | head -n 1)" ] \
    || erreur "le bucket $cible_s3 n'est pas vide : restaurez dans un bucket (ou préfixe AWS_LOCATION) vide, rien n'a été modifié."
elif [ -d "$media" ] && [ -n "$(ls -A "$media")" ]; then
  erreur "le dossier des pièces jointes $media n'est pas vide : choisissez un dossier vide (HN_MEDIA_DIR), rien n'a été modifié."
fi

# 2. The database, in one transaction, owned by the role of DATABASE_URL.
pg_restore --no-owner --no-acl --exit-on-error --single-transaction \
  --dbname="$DATABASE_URL" "$sauvegarde/base.dump"

# 3. The attachments.
if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  temporaire=$(mktemp -d)
  trap 'rm -rf "$temporaire"' EXIT
  tar -C "$temporaire" -xzf "$sauvegarde/media.tar.gz"
  aws s3 sync "${options[@]}" --only-show-errors "$temporaire" "$cible_s3"
else
  mkdir -p "$media"
  tar -C "$media" -xzf "$sauvegarde/media.tar.gz"
fi

echo "Restauration terminée : $(sed -n 's/^date: //p' "$sauvegarde/INFO") -> base et pièces jointes."
echo "Vérifiez-la : python manage.py migrate --check, puis python manage.py verifier_pieces (docs/EXPLOITATION.md)."
