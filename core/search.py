"""Text search over a few weighted columns: PostgreSQL full text, or words on SQLite.

On PostgreSQL the columns become one weighted `tsvector` (the same expression as
the app's GIN index, so the planner uses it), the visitor's text is read as a
web search (`websearch_to_tsquery`: words, "quoted phrases", `or`, `-word`,
never a syntax error) and rows come best match first (`ts_rank`). The demo runs
on SQLite, which has no full-text search here: every word must appear, in any
case (ASCII only, as SQLite's LIKE), in one of the columns, and the order is the
queryset's own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import CombinedExpression

# Stemming for English ("workshops" finds "workshop"); the indexes are built
# with the same configuration, which they must be to be used.
CONFIG = "english"


def search_vector(
    fields: Sequence[tuple[str, str]],
) -> SearchVector | CombinedExpression:
    """The weighted vector of `fields`, (column, weight "A" to "D") pairs.

    An app's GIN index is built from this very expression in its migration.
    """
    vectors = [
        SearchVector(name, weight=weight, config=CONFIG) for name, weight in fields
    ]
    combined: SearchVector | CombinedExpression = vectors[0]
    for vector in vectors[1:]:
        combined = combined + vector
    return combined


def text_search[M: Model](
    queryset: QuerySet[M], text: str, *, fields: Sequence[tuple[str, str]]
) -> QuerySet[M]:
    """Rows of `queryset` matching `text` in `fields`; all of them for no text.

    PostgreSQL orders the matches by rank, then by the queryset's own order.
    """
    if not text.strip():
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        return _words_search(queryset, text, [name for name, _ in fields])
    query = SearchQuery(text, search_type="websearch", config=CONFIG)
    order = list(queryset.query.order_by or queryset.model._meta.ordering or ())
    return (
        queryset.alias(search_vector=search_vector(fields))
        .filter(search_vector=query)
        .alias(search_rank=SearchRank(F("search_vector"), query))
        .order_by("-search_rank", *order)
    )


def _words_search[M: Model](
    queryset: QuerySet[M], text: str, names: Sequence[str]
) -> QuerySet[M]:
    for word in text.split():
        word = word.strip('"')
        if word:
            anywhere = Q()
            for name in names:
                anywhere |= Q(**{f"{name}__icontains": word})
            queryset = queryset.filter(anywhere)
    return queryset
