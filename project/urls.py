from django.contrib import admin
from django.urls import include, path

from outposts import health

handler404 = "outposts.http.errors.not_found"
handler500 = "outposts.http.errors.server_error"

urlpatterns = [
    path("-/health/live/", health.live, name="health-live"),
    path("-/health/ready/", health.ready, name="health-ready"),
    path("admin/", admin.site.urls),
    path("api/v3/", include("outposts.api.urls")),
]
