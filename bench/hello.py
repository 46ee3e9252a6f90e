"""The baseline for bench/load.py: a one-line Flask app under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)
app.add_url_rule("/", "hello", lambda: "hello")
