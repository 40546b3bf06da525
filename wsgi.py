"""WSGI entry point: ``gunicorn wsgi:app``."""

from bridgeops import create_app

app = create_app()
