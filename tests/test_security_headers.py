"""The Content-Security-Policy on every response, pages without inline script or style that
the policy would refuse, and the API docs built from local files only (no CDN)."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Rendered by WeasyPrint into PDF (core.pdf), never served as a page: their <style> stays.
PDF_TEMPLATES = {
    "funds/statement_pdf.html",
    "evaluation/annual_report_pdf.html",
    "evaluation/certificate.html",
    "evaluation/minutes.html",
}
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")"),
    "an event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "a style attribute": re.compile(r"\sstyle\s*="),
    "a style element": re.compile(r"<style\b"),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
    "an hx-on handler (evaluated code)": re.compile(r"\shx-on"),
}


def test_every_response_carries_the_policy(client):
    for path in ("/accounts/login/", "/api/v1/openapi.json", "/does-not-exist/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(d.split(" ", 1) for d in policy.split("; "))
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
        assert "unsafe" not in policy and "http" not in policy


def test_report_only_is_the_same_policy_under_the_other_header(client, settings):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from edupact.core.middleware import ContentSecurityPolicyMiddleware

    enforced = client.get("/accounts/login/")["Content-Security-Policy"]
    settings.EDUPACT_CSP_REPORT_ONLY = True
    response = ContentSecurityPolicyMiddleware(lambda r: HttpResponse())(RequestFactory().get("/"))
    assert response["Content-Security-Policy-Report-Only"] == enforced
    assert "Content-Security-Policy" not in response


def test_no_page_template_has_inline_script_or_style():
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in PDF_TEMPLATES:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {what}" for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []
    assert set(PDF_TEMPLATES) <= {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*")}


def test_htmx_is_configured_without_inline_style_or_eval(client, tree):
    client.force_login(tree.users["member"])
    page = client.get("/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page)
    assert meta is not None
    config = json.loads(meta.group(1))
    assert config == {"includeIndicatorStyles": False, "allowEval": False, "allowScriptTags": False}
    css = (Path(settings.BASE_DIR) / "static/edupact/edupact.css").read_text()
    assert ".htmx-request .htmx-indicator" in css  # the style htmx would otherwise inject


def test_the_api_docs_page_loads_only_same_origin_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    addresses = re.findall(r"(?:src|href)=\"([^\"]+)\"", page)
    assert {a.split("/")[2] for a in addresses} == {"ninja"}  # /static/ninja/…
    assert all(a.startswith(settings.STATIC_URL) for a in addresses), addresses
    assert "http" not in page.replace("http-equiv", "")
    for address in addresses:  # collected, so served by WhiteNoise like every asset
        assert (Path(settings.STATIC_ROOT) / address.removeprefix(settings.STATIC_URL)).exists()
    scripts = re.findall(r"<script([^>]*)>", page)
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert '"validatorUrl": null' in page  # the schema is not sent to an online validator
