"""What leaves the app as a file: the signatures CSV and the pledge's QR code."""

import csv
import io

import segno
from django.http import HttpResponse

QUIET_ZONE_MODULES = 4  # the QR standard's minimum

# A cell starting with one of these is run as a formula by spreadsheet programs; a
# student could type "=HYPERLINK(...)" as a name. Prefixing a quote makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def spreadsheet_safe(value):
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


# Without a byte order mark Excel reads a CSV in the computer's legacy code page, so
# "Zoë" comes out as "ZoÃ«"; the mark tells it the file is UTF-8, and other spreadsheet
# programs skip it. Every CSV we hand out starts with it.
EXCEL_BOM = "\ufeff"


def csv_text(header, rows):
    """Every CSV the app writes: each cell spreadsheet-safe, the header too (commitment
    texts head columns, and a teacher may have typed "=HYPERLINK(…)" into one), after
    the byte order mark Excel needs to keep accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in (header, *rows):
        writer.writerow([spreadsheet_safe(value) for value in row])
    return EXCEL_BOM + buffer.getvalue()


def signatures_csv(pledge, signatures, commitments):
    """CSV text: one row a signature, one yes/blank column a commitment."""
    header = [
        "Name",
        "Signed at (UTC)",
        "Status",
        *[f"{i}. {c.text}" for i, c in enumerate(commitments, 1)],
    ]
    rows = []
    for signature in signatures:
        ticked = {commitment.pk for commitment in signature.commitments.all()}
        status = (
            "hidden" if signature.hidden else ("waiting" if not signature.approved else "shown")
        )
        rows.append(
            [
                signature.display_name,
                signature.created.strftime("%Y-%m-%d %H:%M"),
                status,
                *["yes" if commitment.pk in ticked else "" for commitment in commitments],
            ]
        )
    return csv_text(header, rows)


def csv_response(text, filename):
    """A CSV download (text from csv_text, so Excel opens it with accents intact)."""
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"  # students' names: no copy in any cache
    return response


def qr_svg(url):
    """An SVG QR code for `url`, drawn on the server: no third-party service sees it.

    It has a viewBox and no width or height, so CSS can make it any size and it scales
    whole; with a fixed size, a shrunk QR code lost its right and bottom edges and no
    phone could read it. The white border is the four-module quiet zone the QR standard
    asks for: without it a scanner can't find the code on a busy page or projector.
    """
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    qr.save(
        buffer,
        kind="svg",
        border=QUIET_ZONE_MODULES,
        omitsize=True,
        dark="#000",
        light="#fff",
        xmldecl=False,
        svgns=True,
        title="QR code",
        nl=False,
    )
    return buffer.getvalue().decode()
