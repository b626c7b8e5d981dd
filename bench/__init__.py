"""Scale benchmark (issue 6): a 10x national data set in PostgreSQL (``bench.generer``) and
measurements against budgets (``bench.mesurer``). Not part of ``make test``."""
