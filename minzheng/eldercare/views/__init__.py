"""Pages of eldercare, one module per part; each module declares its ``urlpatterns`` (eldercare/urls.py)."""
