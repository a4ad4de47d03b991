"""Query filters of the list endpoints."""

from django_filters import rest_framework as filters

from outposts.models import Outpost, Provider


class OutpostFilterSet(filters.FilterSet):
    providers_by_pk = filters.ModelMultipleChoiceFilter(
        field_name="providers", queryset=Provider.objects.all()
    )
    providers__isnull = filters.BooleanFilter(
        field_name="providers", lookup_expr="isnull", distinct=True
    )

    class Meta:
        model = Outpost
        fields = {
            "name": ["iexact", "icontains"],
            "managed": ["iexact", "icontains"],
            "service_connection__name": ["iexact", "icontains"],
        }
