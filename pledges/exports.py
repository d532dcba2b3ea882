"""What leaves the app as a file: the signatures CSV and the pledge's QR code."""

import csv
import io

import segno

# A cell starting with one of these is run as a formula by spreadsheet programs; a
# student could type "=HYPERLINK(...)" as a name. Prefixing a quote makes it plain text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def spreadsheet_safe(value):
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header, rows):
    """Every CSV the app writes: each cell spreadsheet-safe, the header too (commitment
    texts head columns, and a teacher may have typed "=HYPERLINK(…)" into one)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in (header, *rows):
        writer.writerow([spreadsheet_safe(value) for value in row])
    return buffer.getvalue()


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


def qr_svg(url):
    """An SVG QR code for `url`, drawn on the server: no third-party service sees it."""
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=8, border=2, dark="#000", light="#fff", xmldecl=False,
            svgns=True, title="QR code", nl=False)  # fmt: skip
    return buffer.getvalue().decode()
