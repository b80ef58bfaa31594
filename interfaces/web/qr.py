"""The QR code of an authenticator setup, drawn here as an SVG.

Shown as a `data:` image (the pages' CSP allows `img-src 'self' data:`): no image service ever sees
the secret the code carries, and the page runs no script to draw it.
"""

import base64
import io

import segno


def qr_code_image(text: str) -> str:
    """`text` as a QR code, in a `data:image/svg+xml` URL for an <img>."""
    # A full QR code (authenticator apps read no Micro QR); medium error correction, as most
    # apps' own examples use. Black on white with its quiet zone, so that it scans on a dark page.
    code = segno.make(text, error="m", micro=False)
    svg = io.BytesIO()
    code.save(svg, kind="svg", scale=5, border=4, dark="#000", light="#fff", xmldecl=False)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")
