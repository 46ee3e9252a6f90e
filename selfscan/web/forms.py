"""The base of every form: Flask-WTF, reading only form-encoded bodies."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto  # the "not given" marker Flask-WTF compares against


class Form(FlaskForm):
    """A FlaskForm that never reads a JSON body.

    Flask-WTF falls back to the JSON body when a POST has no form fields; a JSON list or number
    there crashes the form. The service's forms are HTML forms, so anything else is no data.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto:
                if request.method in ("POST", "PUT", "PATCH", "DELETE"):
                    return request.form
                return None
            return formdata
