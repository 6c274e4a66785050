"""The app factory."""
from __future__ import annotations

from typing import Any

from flask import Flask, redirect, send_from_directory
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from server import cors, web
from server.api import API_TITLE, API_VERSION, SPEC_OPTIONS, Api
from server.audit import service as audit
from server.common.timeutil import Clock, system_clock
from server.config import Config
from server.db import make_engine, make_sessionmaker
from server.errors import ApiError, handle_api_error, handle_http_exception, handle_recursion_error, handle_unexpected
from server.ratelimit import limiter
from server.storage import ObjectStore, make_store

BLUEPRINTS = (
    "server.ops.routes",
    "server.auth.routes",
    "server.org.routes",
    "server.places.routes",
    "server.audit.routes",
    "server.checklists.routes",
    "server.patrol.routes",
    "server.dispatch.routes",
    "server.reports.routes",
    "server.hazards.routes",
    "server.tipoffs.routes",
    "server.tipoffs.open311",
    "server.phone.routes",
    "server.evidence.routes",
    "server.uploads.routes",
    "server.review.routes",
    "server.ranking.routes",
    "server.jobs.routes",
)


def create_app(config: Config | None = None, *, clock: Clock = system_clock, store: ObjectStore | None = None,
               engine: Any = None) -> Flask:
    config = config or Config.from_env()
    app = Flask(__name__)
    app.url_map.converters["int"] = web.IdConverter  # before any route: every <int:...> id is bounded
    app.config.update(
        API_TITLE=API_TITLE,
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL="/docs-static/",  # served from the swagger-ui-bundle wheel: works offline
        API_SPEC_OPTIONS=SPEC_OPTIONS,
        MAX_CONTENT_LENGTH=config.max_content_length,
        RATELIMIT_STORAGE_URI=config.ratelimit_storage_uri,
        RATELIMIT_HEADERS_ENABLED=True,
        JSON_SORT_KEYS=False,
        TESTING=config.testing,
    )
    if config.trust_proxy:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]  # Flask's documented wrap
    if not config.testing:
        web.configure_logging(config.log_level)

    engine = engine or make_engine(config.database_url)
    sessions = make_sessionmaker(engine)
    audit.install(sessions)
    store = store or make_store(config, clock=clock)
    app.extensions.update({
        "gridpatrol.config": config,
        "gridpatrol.clock": clock,
        "gridpatrol.engine": engine,
        "gridpatrol.sessionmaker": sessions,
        "gridpatrol.store": store,
    })
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable in responses and logs
    web.install(app)
    cors.install(app)
    limiter.init_app(app)

    api = Api(app)
    for module_name in BLUEPRINTS:
        module = __import__(module_name, fromlist=["blp"])
        api.register_blueprint(module.blp)
    from server.webapp.routes import blp as webapp_blp
    app.register_blueprint(webapp_blp)  # the field client's pages: plain Flask, not in the API document
    if config.store == "local":
        from server.storage.routes import blp as files_blp
        app.register_blueprint(files_blp)

    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(RecursionError, handle_recursion_error)
    app.register_error_handler(Exception, handle_unexpected)

    @app.get("/")
    def index() -> Any:
        return redirect("/app/")

    @app.get("/docs-static/<path:filename>")
    def swagger_static(filename: str) -> Any:
        from swagger_ui_bundle import swagger_ui_path
        return send_from_directory(swagger_ui_path, filename, max_age=86400)

    return app
