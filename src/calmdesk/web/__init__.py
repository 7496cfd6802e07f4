"""The web: `create_app(settings)` builds the API (`/api/v1`), console and customer chat."""

from calmdesk.web.app import create_app

__all__ = ["create_app"]
