from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from outposts.api.viewsets.outposts import OutpostViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("outposts/instances", OutpostViewSet, basename="outpost")

urlpatterns = [
    path("", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]
