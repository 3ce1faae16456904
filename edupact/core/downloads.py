"""Uploaded files served back to their readers, typed by their bytes and never by their name.

An upload's name is the uploader's to choose: a PDF called ``x.html`` must not be offered to
the next reader as a web page, nor a page disguised as a PDF opened as one. So the type of a
stored file is proven by its first bytes (``sniff``); the download carries that type, the
extension that matches it (``download_name``: ``x.html`` holding a PDF downloads as
``x.pdf``), ``X-Content-Type-Options: nosniff`` so that the browser believes the type, and
``Content-Disposition: attachment`` unless the type is one a browser shows without running
anything of the file's (a PDF, a JPEG or PNG image), which opens in place.
"""

from pathlib import PurePath

from django.http import HttpResponse
from django.utils.http import content_disposition_header

#: What a file's first bytes must be for each type edupact accepts and shows.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}
#: The extension each type is stored and downloaded with.
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
#: Other names of the same extension, kept as the uploader wrote them.
_SAME = {"image/jpeg": {".jpeg", ".jpe", ".jfif"}}
#: Anything else: bytes whose type is not proven are only ever downloaded.
UNKNOWN = "application/octet-stream"
#: The policy of a file shown in place: nothing of the file may run or load anything, but
#: Chrome's own PDF viewer (an embedded object of the same address, styled inline) may work.
FILE_CSP = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def sniff(head: bytes) -> str | None:
    """The content type proven by a file's first bytes, or None for anything else."""
    for content_type, magics in SIGNATURES.items():
        if any(head.startswith(m) for m in magics):
            return content_type
    return None


def download_name(name: str, content_type: str) -> str:
    """The uploaded name with the extension of the type its bytes prove."""
    path = PurePath(name.replace("\\", "/")).name
    suffix = PurePath(path).suffix
    extension = EXTENSIONS.get(content_type, ".bin")
    if suffix.lower() == extension or suffix.lower() in _SAME.get(content_type, ()):
        return path
    stem = (path[: -len(suffix)] if suffix else path).strip(" .")
    return (stem or "file") + extension


def stored_file_response(content: bytes, name: str) -> HttpResponse:
    """``content`` as a download named after ``name``, typed by its own first bytes."""
    content_type = sniff(content[:16]) or UNKNOWN
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        content_type == UNKNOWN, download_name(name, content_type)
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    return response
