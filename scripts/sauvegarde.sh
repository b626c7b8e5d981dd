#!/usr/bin/env bash
# Sauvegarde de la plateforme (docs/EXPLOITATION.md) : la base PostgreSQL (pg_dump, format
# custom) puis les pièces jointes (dossier local ou bucket S3), dans un dossier horodaté avec
# les empreintes SHA-256 de chaque fichier.
#
#   DATABASE_URL=postgres://... scripts/sauvegarde.sh [DESTINATION]
#
# DESTINATION : dossier des sauvegardes (défaut : $HN_VAR_DIR/sauvegardes, soit var/sauvegardes).
# Pièces jointes : le bucket S3 si AWS_STORAGE_BUCKET_NAME est défini (avec la CLI `aws`), sinon
# le dossier local HN_MEDIA_DIR (défaut : $HN_VAR_DIR/media, celui de l'application).
# HN_SAUVEGARDE_CONSERVATION=N : supprime les sauvegardes de plus de N jours de DESTINATION.
# Affiche en dernière ligne le chemin de la sauvegarde créée.
set -euo pipefail

erreur() { echo "sauvegarde : $*" >&2; exit 1; }

racine=$(cd "$(dirname "$0")/.." && pwd)
var_dir=${HN_VAR_DIR:-$racine/var}
media=${HN_MEDIA_DIR:-$var_dir/media}
destination=${1:-$var_dir/sauvegardes}

case "${DATABASE_URL:-}" in
  postgres://* | postgresql://*) ;;
  "") erreur "DATABASE_URL n'est pas défini (postgres://utilisateur:mot_de_passe@hôte:port/base)." ;;
  *) erreur "DATABASE_URL doit désigner une base PostgreSQL (postgres://...) : la base SQLite de développement se copie telle quelle (var/db.sqlite3)." ;;
esac
for outil in pg_dump pg_restore sha256sum tar; do
  command -v "$outil" >/dev/null || erreur "$outil est introuvable (paquet Debian postgresql-client)."
done
if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  command -v aws >/dev/null || erreur "la CLI aws est requise pour copier le bucket S3 (paquet awscli)."
fi

horodatage=$(date -u +%Y%m%dT%H%M%SZ)
final="$destination/hn-$horodatage"
# Written under a temporary name, renamed once complete: a half-written backup never looks done.
partielle="$destination/.hn-$horodatage.partielle"
mkdir -p "$destination"
[ ! -e "$final" ] || erreur "$final existe déjà."
rm -rf "$partielle"
mkdir -m 700 "$partielle"
trap 'rm -rf "$partielle"' EXIT

# 1. The database first: every piece it references was stored before its row was committed,
# and stored files are never deleted, so the media copied next holds them all.
pg_dump --format=custom --compress=6 --file="$partielle/base.dump" --dbname="$DATABASE_URL"

# 2. The attachments.
if [ -n "${AWS_STORAGE_BUCKET_NAME:-}" ]; then
  source_s3="s3://$AWS_STORAGE_BUCKET_NAME/${AWS_LOCATION:-}"
  options=()
  [ -z "${AWS_S3_ENDPOINT_URL:-}" ] || options+=(--endpoint-url "$AWS_S3_ENDPOINT_URL")
  aws s3 sync "${options[@]}" --only-show-errors "$source_s3" "$partielle/media-s3"
  tar -C "$partielle/media-s3" -czf "$partielle/media.tar.gz" .
  rm -rf "$partielle/media-s3"
  stockage="s3 $source_s3"
else
  if [ -d "$media" ]; then
    tar -C "$media" -czf "$partielle/media.tar.gz" .
  else
    echo "sauvegarde : le dossier des pièces jointes $media n'existe pas : archive vide." >&2
    tar -czf "$partielle/media.tar.gz" -T /dev/null
  fi
  stockage="local $media"
fi

{
  echo "date: $horodatage"
  echo "base: $(pg_restore --list "$partielle/base.dump" | sed -n 's/^; *Dbname: //p')"
  echo "stockage: $stockage"
  echo "version: $(git -C "$racine" rev-parse --short HEAD 2>/dev/null || echo inconnue)"
} >"$partielle/INFO"
(cd "$partielle" && sha256sum base.dump media.tar.gz INFO >SHA256SUMS)

mv "$partielle" "$final"
trap - EXIT

if [ -n "${HN_SAUVEGARDE_CONSERVATION:-}" ]; then
  find "$destination" -mindepth 1 -maxdepth 1 -type d -name 'hn-*' \
    -mtime +"$HN_SAUVEGARDE_CONSERVATION" -exec rm -rf {} +
fi
echo "$final"
