"""Full-text search of the catalogue: the search document, and matching with a relevance.

On PostgreSQL (production, CI) a product's name, category and description are one
`tsvector` (weights A, B, C), a stored generated column the database recomputes in the
statement that changes the texts, so an edit, a revision's approval, an approval or a
delisting is searchable as it commits; a GIN index (migrations 0010, 0011) finds the
matches, and `ts_rank` orders them. Every word typed must match (English stemming: "shoes"
finds "shoe"); the last one also as a prefix ("snea" finds "sneakers"), as it is typed.

On SQLite (the embedded development default) the column is NULL and search is the
documented fallback: every word a case-insensitive substring of the name, category or
description, ranked by where the words were found (name 4, category 2, description 1 each),
over a scan of the table. The one other place the two databases run different statements
besides products/cache.py.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector, SearchVectorField
from django.db import connection
from django.db.models import Case, F, FloatField, Func, Q, QuerySet, Value, When
from django.db.models.functions import Cast

# The text search configuration of the document and of queries (stemming, stop words).
CONFIG = "english"
# At most this many words of a query count (a search box, not a document).
MAX_TERMS = 8
_WORD = re.compile(r"\w+")


class SearchDocumentField(SearchVectorField):
    """A `tsvector` column (on SQLite an always-NULL column of that declared type)."""


class SearchDocument(Func):
    """The generated column's expression: the weighted texts on PostgreSQL, NULL elsewhere."""

    output_field = SearchDocumentField()

    def __init__(self):
        super().__init__(
            SearchVector("product_name", weight="A", config=CONFIG)
            + SearchVector("category", weight="B", config=CONFIG)
            + SearchVector("description", weight="C", config=CONFIG)
        )

    def as_sql(self, compiler, connection, **extra):
        return "NULL", []

    def as_postgresql(self, compiler, connection, **extra):
        return compiler.compile(self.source_expressions[0])

    def deconstruct(self):
        return "products.search.SearchDocument", (), {}


def search_terms(text: str) -> list[str]:
    """The words of a query, lower-cased: letters and digits only, so they are safe in a
    tsquery and in LIKE patterns."""
    return _WORD.findall(text.lower().replace("_", " "))[:MAX_TERMS]


def matching(queryset: QuerySet, terms: list[str]) -> QuerySet:
    """`queryset` narrowed to the products matching every term, annotated with `relevance`
    (higher is better)."""
    if connection.vendor == "postgresql":
        query = SearchQuery(
            " & ".join([*terms[:-1], f"{terms[-1]}:*"]), search_type="raw", config=CONFIG
        )
        # As double precision: ts_rank's real would not survive the trip through a cursor
        # (its decimal text is not the value the next page's query compares with).
        rank = Cast(SearchRank(F("search_document"), query), FloatField())
        return queryset.annotate(relevance=rank).filter(search_document=query)
    weights = {"product_name": 4, "category": 2, "description": 1}
    found = Q()
    score = Value(0.0, output_field=FloatField())
    for term in terms:
        found &= Q(*(Q(**{f"{field}__icontains": term}) for field in weights), _connector=Q.OR)
        for field, weight in weights.items():
            score = score + Case(
                When(**{f"{field}__icontains": term}, then=Value(float(weight))),
                default=Value(0.0),
                output_field=FloatField(),
            )
    return queryset.annotate(relevance=score).filter(found)


# The GIN index on the document (migration 0010; no pending list since 0011).
INDEX = "products_search_idx"
