"""`create_app(settings)`: one FastAPI app per call, so every test and server builds its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from calmdesk import __version__
from calmdesk.actions.analysis_process import default_analyzer
from calmdesk.actions.context import ActionContext, Analyzer, NullScheduler, Scheduler
from calmdesk.config import Settings
from calmdesk.storage.engine import make_engine, make_session_factory
from calmdesk.web import console
from calmdesk.web.admission import Admission
from calmdesk.web.errors import install_error_handlers
from calmdesk.web.heap import freeze_startup_heap
from calmdesk.web.intake_limits import IntakeLimits
from calmdesk.web.limits import RequestLimits
from calmdesk.web.logscrub import install_access_log_scrub
from calmdesk.web.ratelimit import Limiter, LoginThrottle, TrustedProxies, make_store
from calmdesk.web.routes import api, api_intake, public
from calmdesk.web.token_reads import LoopReader, TokenTouches
from calmdesk.web.turn_feed import drain_turn_feed

__all__ = ["create_app"]

_STATIC = Path(__file__).with_name("static")

_DESCRIPTION = """\
calmdesk's versioned HTTP API. Staff log in (`POST /api/v1/login`, a session cookie plus a CSRF
token for unsafe methods) or send an integration token (`Authorization: Bearer cdk_...`); customers
in the chat send their per-conversation chat token the same way. Every error has the body
`{"error": {"code": "E...", "message": "..."}}`. See docs/api.md.
"""


def create_app(
    settings: Settings | None = None,
    *,
    analyzer: Analyzer | None = None,
    scheduler: Scheduler | None = None,
) -> FastAPI:
    """Build the app: engine, sessions and action context from `settings`; limits, errors, routes.

    `analyzer` defaults to calmdesk's own analysis, the analyses of concurrent requests batched
    together (`actions.batching`) and read by a second process (`actions.analysis_process`);
    `scheduler` (the job queue, passed in by the
    CLI) defaults to none, in which case the worker's periodic sweep still fires due timers.
    """
    settings = settings or Settings()
    engine = make_engine(
        settings.database_url,
        synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
        write_wait_s=settings.sqlite_write_wait_s,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.web_threads:  # the threads serving sync routes (anyio's default is 40)
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        warm = getattr(app.state.actions.analyzer, "warm", None)
        if warm is not None:  # the analysis process loads its models while the server starts
            warm()
        if settings.freeze_heap:  # the collector's full passes no longer walk the startup heap
            freeze_startup_heap()
        yield
        drain_turn_feed()
        close = getattr(getattr(app.state, "hub", None), "close", None)
        if close is not None:
            close()
        if app.state.loop_reader is not None:
            app.state.loop_reader.close()
        engine.dispose()
        if limits_engine is not None:
            limits_engine.dispose()

    app = FastAPI(
        title="calmdesk",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # /docs is served from the vendored Swagger UI (web/pages.py), not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.actions = ActionContext(
        sessions=make_session_factory(engine),
        settings=settings,
        analyzer=analyzer if analyzer is not None else default_analyzer(settings),
        scheduler=scheduler or NullScheduler(),
    )
    store, limits_engine = make_store(settings, engine)
    app.state.limit_store = store
    app.state.limiter = Limiter(settings, store)
    app.state.login_throttle = LoginThrottle(settings, store)
    app.state.trusted_proxies = TrustedProxies(settings.trusted_proxies)
    app.state.loop_reader = LoopReader(engine) if LoopReader.usable(engine) else None
    app.state.token_touches = TokenTouches()
    install_access_log_scrub()
    if settings.live_backend == "postgres" and engine.dialect.name == "postgresql":
        from calmdesk.web.live_pg import PgHub

        app.state.hub = PgHub(settings.database_url, app.state.actions.sessions)
    elif settings.live_backend == "redis" and settings.redis_url:
        from calmdesk.web.live_pg import RedisHub

        app.state.hub = RedisHub(settings.redis_url, app.state.actions.sessions)
    app.state.intake_limits = IntakeLimits(settings, store)
    install_error_handlers(app)
    app.add_middleware(RequestLimits, max_bytes=settings.max_body_bytes)
    app.add_middleware(Admission, max_in_flight=settings.max_in_flight)  # outermost: first
    if _STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=_STATIC), name="static")
    app.include_router(api.router)
    app.include_router(public.router)
    app.include_router(api_intake.router)
    console.register(app)
    return app
