"""The staff console: pages rendered on the server (Jinja2) and updated in place with htmx.

`routes` has login, the queue, one conversation and the supervisor board; `forms` the form posts;
`live` the console's websocket; `desk`, `admin`, `settings`, `overrides` (escalation rules and
playbook settings), `cases` (P15), `practice`, `qa` and
`kb` their areas. Modules ending in `_view` (and `view`, `reads`, `review`) build what the pages
show. `register(app)` adds all of it, with the customer chat, to an app.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse, Response

__all__ = ["register"]


def register(app: FastAPI) -> None:
    """Add the console, the customer chat and their live channels to `app`."""
    from calmdesk.web.console import (
        admin,
        cases,
        desk,
        forms,
        kb,
        live,
        overrides,
        practice,
        qa,
        routes,
        settings,
    )
    from calmdesk.web.console.review import warm_up
    from calmdesk.web.desk_feed import install_desk_feed
    from calmdesk.web.pages import docs_page, install_pages
    from calmdesk.web.realtime import Hub
    from calmdesk.web.routes import csat, widget
    from calmdesk.web.timefmt import ViewerClock
    from calmdesk.web.turn_feed import install_turn_feed

    app.state.hub = getattr(app.state, "hub", None) or Hub()
    install_turn_feed(app.state.actions.sessions, app.state.hub)
    install_desk_feed(app.state.actions.sessions, app.state.hub)
    warm_up()
    install_pages(app)
    app.add_middleware(ViewerClock)  # one date-time format per page, for the viewer's locale
    app.include_router(routes.router)
    app.include_router(forms.router)
    app.include_router(live.router)
    app.include_router(practice.router)
    app.include_router(cases.router)
    app.include_router(desk.router)
    app.include_router(admin.router)
    app.include_router(settings.router)
    app.include_router(overrides.router)
    app.include_router(widget.router)
    app.include_router(kb.router)
    app.include_router(csat.router)
    app.include_router(qa.router)

    app.add_api_route("/docs", docs_page, include_in_schema=False, methods=["GET"])

    @app.get("/", include_in_schema=False)
    def home() -> Response:
        return RedirectResponse("/console", status_code=303)
