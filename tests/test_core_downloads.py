"""Evidence downloads typed by their bytes: a PDF uploaded as ``x.html`` downloads as
``x.pdf`` with the PDF type, never sniffed by the browser, shown in place only when it is a
PDF or an image, on the web page and the API alike."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from test_evaluation_cycle import PDF, PNG, assessed, hamlet, media  # noqa: F401
from test_evaluation_rollups import places  # noqa: F401 — the shared fixture

from edupact.core import downloads
from edupact.evaluation import cycle
from edupact.evaluation.models import EvidenceFile

pytestmark = pytest.mark.django_db
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("x.html", "application/pdf", "x.pdf"),
        ("giấy khen.PDF", "application/pdf", "giấy khen.PDF"),
        ("scan.pdf.exe", "application/pdf", "scan.pdf.pdf"),
        ("ảnh.jpeg", "image/jpeg", "ảnh.jpeg"),
        ("ảnh.svg", "image/jpeg", "ảnh.jpg"),
        ("a.pdf", "image/png", "a.png"),
        ("no-extension", "image/png", "no-extension.png"),
        (".html", "application/pdf", "html.pdf"),
        ("", "application/pdf", "file.pdf"),
        ("..\\..\\evil.html", "application/pdf", "evil.pdf"),
        ("x.pdf", downloads.UNKNOWN, "x.bin"),
    ],
)
def test_the_download_name_carries_the_extension_of_the_proven_type(name, content_type, expected):
    assert downloads.download_name(name, content_type) == expected


def _upload(p, client, name, content):
    a = assessed(p, f"Hộ {name}", 9)
    client.post(
        f"/evaluation/assessments/{a.pk}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type="text/html")},
    )
    return EvidenceFile.objects.get(assessment=a)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "filename"),
    [
        ("x.html", PDF, "application/pdf", 'filename="x.pdf"'),
        ("x.svg", PNG, "image/png", 'filename="x.png"'),
        ("ảnh.htm", JPEG, "image/jpeg", "filename*=utf-8''%E1%BA%A3nh.jpg"),
    ],
)
def test_evidence_downloads_with_the_type_its_bytes_prove_on_the_web_and_the_api(
    hamlet,  # noqa: F811
    media,  # noqa: F811
    client_as,
    api_client,
    name,
    content,
    content_type,
    filename,
):
    p = hamlet
    branch = client_as(p.tree.users["hamlet_branch"], "vi")
    evidence = _upload(p, branch, name, content)
    assert evidence.original_name == name  # kept as typed, shown on the page
    web = branch.get(f"/evaluation/evidence/{evidence.pk}/")
    api = api_client(p.tree.users["hamlet_branch"]).get(
        f"/api/v1/evaluation/evidence/{evidence.pk}"
    )
    for response in (web, api):
        assert response.status_code == 200 and response.content == content
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == f"inline; {filename}"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == downloads.FILE_CSP


def test_a_stored_file_whose_bytes_prove_no_type_is_only_ever_downloaded(
    hamlet,  # noqa: F811
    media,  # noqa: F811
    client_as,
):
    """Bytes changed on disk after the upload (a restore gone wrong, a tampered volume) are
    not trusted for what the database once recorded: a plain download, never shown."""
    p = hamlet
    branch = client_as(p.tree.users["hamlet_branch"], "vi")
    evidence = _upload(p, branch, "x.pdf", PDF)
    html = b"<html><script>alert(1)</script></html>"
    (media / "evidence" / evidence.stored_name).write_bytes(html)
    response = branch.get(f"/evaluation/evidence/{evidence.pk}/")
    assert response.content == html
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="x.bin"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert cycle.evidence_bytes(evidence) == html
