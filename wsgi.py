"""WSGI entry point: gunicorn wsgi:app."""

from selfscan import create_app

app = create_app()
