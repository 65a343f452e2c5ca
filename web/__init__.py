"""The Flask app factory: `create_app(settings)` wires services, auth, limits, errors and routes."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from flask import Flask, request
from flask_migrate import Migrate

import models
from config.settings import Settings, load_settings
from models.migrations_support import MigrationTarget
from web import admin, auth, cli, errors, inputs, origins, ratelimit, services
from web.api import API_CONFIG, api, spec_options
from web.routes import MODULES, PLAIN_MODULES, PLAYER_STANDARDS

migrate = Migrate()
MIGRATIONS_DIR = str(models.MIGRATIONS_DIR)


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app; tests pass their own settings."""
    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = Flask(__name__)
    app.json = inputs.JSONProvider(app)
    inputs.install_converters(app)
    app.config.update(API_CONFIG)
    app.config["API_SPEC_OPTIONS"] = spec_options(settings.public_base_url)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    svc = services.init_app(app, settings)
    errors.init_app(app)
    origins.init_app(app)  # first: a request on the wrong kind of origin goes no further
    app.before_request(_skip_unrouted(auth._before_request))
    app.before_request(ratelimit.enforce)
    ratelimit.init_app(app, settings)
    api.init_app(app)
    for name in MODULES:
        api.register_blueprint(importlib.import_module(name).blp)
    for name in PLAIN_MODULES:
        app.register_blueprint(importlib.import_module(name).blp)
    for name in PLAYER_STANDARDS:
        importlib.import_module(name)
    admin.init_app(app, settings)
    cli.init_app(app)
    migrate.init_app(
        app, MigrationTarget(svc.engine), directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True
    )
    return app


def _skip_unrouted(check: Callable[[], None]) -> Callable[[], None]:
    # An unknown route answers 404 before anyone is asked for a key.
    def guarded() -> None:
        if request.routing_exception is None:
            check()

    return guarded
