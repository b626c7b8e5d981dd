"""Query-count helper: a page's query count must not grow with the rows it shows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(callable_, *args, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = callable_(*args, **kwargs)
    return len(ctx.captured_queries), result
