"""authentik's list envelope: `pagination`, `results` and `autocomplete`."""

from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

PAGINATION_KEYS = (
    "next",
    "previous",
    "count",
    "current",
    "total_pages",
    "start_index",
    "end_index",
)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_paginated_response(self, data):
        page = self.page
        return Response(
            {
                "pagination": {
                    "next": page.next_page_number() if page.has_next() else 0,
                    "previous": page.previous_page_number()
                    if page.has_previous()
                    else 0,
                    "count": page.paginator.count,
                    "current": page.number,
                    "total_pages": page.paginator.num_pages,
                    "start_index": page.start_index(),
                    "end_index": page.end_index(),
                },
                "results": data,
                "autocomplete": {},
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "properties": {
                "pagination": {"$ref": "#/components/schemas/Pagination"},
                "results": schema,
                "autocomplete": {"type": "object", "additionalProperties": {}},
            },
            "required": ["pagination", "results", "autocomplete"],
        }
