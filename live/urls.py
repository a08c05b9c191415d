from django.urls import re_path

from live.views import live_events

urlpatterns = [re_path(r"^events/?$", live_events, name="live-events")]
