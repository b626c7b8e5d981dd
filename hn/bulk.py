"""Bulk rows for the benchmark's data set (``bench.generer``), shared by the apps' ``bench``
modules: ``COPY`` on PostgreSQL (a multi-row ``INSERT`` elsewhere, for the tests) bypassing the
ORM, the next free ids, the foreign keys and version triggers suspended for the load, and two
small helpers of the random plans."""

import json
from contextlib import contextmanager

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.db.models import JSONField, Max


def choix(rng, pondere):
    """One value of ``pondere`` ((value, weight) pairs), drawn by weight."""
    valeurs, poids = zip(*pondere, strict=True)
    return rng.choices(valeurs, weights=poids)[0]


def repartir(total: int, poids: dict) -> dict:
    """``total`` split by weights, rounded so that the parts add up (largest remainder)."""
    somme = sum(poids.values())
    exact = {k: total * p / somme for k, p in poids.items()}
    parts = {k: int(v) for k, v in exact.items()}
    reste = total - sum(parts.values())
    for k in sorted(exact, key=lambda k: exact[k] - parts[k], reverse=True)[:reste]:
        parts[k] += 1
    return parts


def copier(model, champs: list[str] | str, lignes) -> int:
    """Write ``lignes`` (tuples in the order of ``champs``, JSON fields as JSON text) into the
    model's table: ``COPY`` on PostgreSQL, multi-row ``INSERT`` elsewhere. Returns the count."""
    if isinstance(champs, str):
        champs = champs.split()
    fields = [model._meta.get_field(nom) for nom in champs]
    complements = _complements(model, fields)
    if complements:
        fields += [f for f, _ in complements]
        suite = tuple(v for _, v in complements)
        lignes = (ligne + suite for ligne in lignes)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    colonnes = ", ".join(qn(f.column) for f in fields)
    n = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({colonnes}) FROM STDIN") as copy:
                for ligne in lignes:
                    copy.write_row(ligne)
                    n += 1
            return n
        sql = f"INSERT INTO {table} ({colonnes}) VALUES ({', '.join(['%s'] * len(fields))})"
        prep = [
            (lambda v: v)
            if isinstance(f, JSONField)
            else (lambda v, f=f: f.get_db_prep_save(v, connection))
            for f in fields
        ]
        lot = []
        for ligne in lignes:
            lot.append([p(v) for p, v in zip(prep, ligne, strict=True)])
            n += 1
            if len(lot) == 2000:
                cursor.executemany(sql, lot)
                lot = []
        if lot:
            cursor.executemany(sql, lot)
    return n


def _complements(model, donnes) -> list[tuple]:
    """The model's columns that a table function does not give, with the field's default:
    a field added later by a migration (with a default) keeps the generator working."""
    result = []
    for f in model._meta.concrete_fields:
        if f in donnes or f.primary_key or (f.null and not f.has_default()):
            continue
        valeur = f.get_default()
        if valeur is None and not f.null:
            raise ValueError(
                f"{model._meta.label}.{f.name} : colonne obligatoire sans valeur par défaut, "
                "à ajouter à la fonction de sa table."
            )
        result.append((f, texte_json(valeur) if isinstance(f, JSONField) else valeur))
    return result


def prochain_id(model) -> int:
    """The first id after the rows already in the model's table."""
    return (model.objects.aggregate(m=Max("pk"))["m"] or 0) + 1


def reinitialiser_sequences(models):
    """Id sequences of ``models`` set past the rows written with explicit ids."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def texte_json(data) -> str:
    """A JSON field's value as ``copier`` writes it."""
    return json.dumps(data, ensure_ascii=False, cls=DjangoJSONEncoder)


class _Compte:
    n = 0


@contextmanager
def cles_etrangeres_suspendues(models):
    """PostgreSQL: drop the foreign keys of ``models``' tables for the bulk load and add them
    back, same names and definitions, at the end: each is then validated by one join over the
    table instead of one deferred trigger per inserted row at commit (what pg_restore does).
    The caller's transaction makes it all or nothing. Elsewhere: nothing to do."""
    compte = _Compte()
    if connection.vendor != "postgresql":
        yield compte
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        # Rows written by the ORM earlier in the transaction: check them now (a table with
        # pending deferred checks cannot be altered).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [tables],
        )
        cles = cursor.fetchall()
        for table, nom, _ in cles:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{nom}"')
    yield compte
    with connection.cursor() as cursor:
        for table, nom, definition in cles:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{nom}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    compte.n = len(cles)
