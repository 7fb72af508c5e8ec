"""Image formats by their first bytes, for servers that say ``application/octet-stream``.

Signatures as the formats define them (the same table browsers use to sniff images, WHATWG
MIME Sniffing, "image type pattern matching"), plus TIFF, HEIF/AVIF and SVG's text start.
"""

from __future__ import annotations

#: (media type, the bytes a body of that type starts with), in the order tried.
_SIGNATURES: tuple[tuple[str, bytes], ...] = (
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/gif", b"GIF87a"),
    ("image/gif", b"GIF89a"),
    ("image/bmp", b"BM"),
    ("image/tiff", b"II*\x00"),
    ("image/tiff", b"MM\x00*"),
    ("image/x-icon", b"\x00\x00\x01\x00"),
)

_HEIF_BRANDS = {
    b"avif": "image/avif",
    b"avis": "image/avif",
    b"heic": "image/heic",
    b"heix": "image/heic",
    b"mif1": "image/heif",
    b"msf1": "image/heif",
}


def image_type(head: bytes) -> str | None:
    """The image media type the bytes ``head`` start (``"image/jpeg"``), or ``None``."""
    for media_type, magic in _SIGNATURES:
        if head.startswith(magic):
            return media_type
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return _HEIF_BRANDS[head[8:12]]
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "image/svg+xml"
    return None
