from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from outposts.api.viewsets.outposts import OutpostViewSet
from outposts.api.viewsets.providers import ProviderViewSet
from outposts.api.viewsets.service_connections import (
    DockerServiceConnectionViewSet,
    KubernetesServiceConnectionViewSet,
    ServiceConnectionViewSet,
)

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("outposts/instances", OutpostViewSet, basename="outpost")
router.register(
    "outposts/service_connections/all",
    ServiceConnectionViewSet,
    basename="outpostserviceconnection",
)
router.register(
    "outposts/service_connections/docker",
    DockerServiceConnectionViewSet,
    basename="dockerserviceconnection",
)
router.register(
    "outposts/service_connections/kubernetes",
    KubernetesServiceConnectionViewSet,
    basename="kubernetesserviceconnection",
)
router.register("providers/all", ProviderViewSet, basename="provider")

urlpatterns = [
    path("", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]
