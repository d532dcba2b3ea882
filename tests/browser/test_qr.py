"""The QR code scans where a class meets it: the projector at every common width and the
poster printed on A4 and Letter. Each picture is decoded by a real QR decoder (zxing-cpp),
and the link it gives is opened to check it leads to that pledge's sign form."""

import io
import os

import pypdfium2 as pdfium
import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from tests import factories
from tests.browser.conftest import ARTIFACTS, log_in, new_page

# Projector and screen widths teachers use, down to a phone held up to the class.
SCREENS = {1920: 1080, 1280: 800, 1024: 768, 768: 1024, 360: 740}
# A laser printer's resolution is higher; 150 dpi is a poor scan of the printed page.
PRINT_DPI = 150


@pytest.fixture
def teacher_pledge(server):
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    return teacher, factories.make_pledge(factories.make_classroom(teacher))


def decoded_links(image, name):
    """Every QR code a decoder finds in `image` (a PIL image), as text; the image is kept
    under test-artifacts so a failure can be looked at."""
    os.makedirs(ARTIFACTS, exist_ok=True)
    image.save(os.path.join(ARTIFACTS, f"qr-{name}.png"))
    found = zxingcpp.read_barcodes(image.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in found]


def assert_opens_sign_form(browser, link, pledge):
    """The decoded link, opened on a student's phone, is this pledge's sign form."""
    context, phone = new_page(browser, phone=True)
    try:
        phone.goto(link)
        assert phone.url.endswith(pledge.get_link_url())
        phone.get_by_role("heading", level=1, name=pledge.title).wait_for()
        phone.get_by_label("Your name").wait_for()
        phone.get_by_role("button", name="Sign the pledge").wait_for()
    finally:
        context.close()


@pytest.mark.parametrize("width", SCREENS)
def test_projector_qr_code_scans_at_every_width(browser, server, teacher_pledge, width):
    teacher, pledge = teacher_pledge
    context, page = new_page(
        browser, viewport={"width": width, "height": SCREENS[width]}, device_scale_factor=1
    )
    try:
        log_in(context, server, teacher)
        page.goto(server + reverse("pledges:pledge-present", args=[pledge.pk]))
        page.locator(".present-qr svg").scroll_into_view_if_needed()
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    finally:
        context.close()
    links = decoded_links(shot, f"present-{width}")
    assert links == [f"{server}{pledge.get_link_url()}"], (
        f"at {width} px the decoder found {links}"
    )
    assert_opens_sign_form(browser, links[0], pledge)


@pytest.mark.parametrize("width", [1280, 360])
def test_teachers_pledge_page_qr_code_scans(browser, server, teacher_pledge, width):
    teacher, pledge = teacher_pledge
    context, page = new_page(browser, phone=width == 360)
    try:
        log_in(context, server, teacher)
        page.goto(server + reverse("pledges:pledge-detail", args=[pledge.pk]))
        page.locator(".pledge-qr img").scroll_into_view_if_needed()
        shot = Image.open(io.BytesIO(page.screenshot(full_page=True)))
    finally:
        context.close()
    links = decoded_links(shot, f"pledge-detail-{width}")
    assert links == [f"{server}{pledge.get_link_url()}"], (
        f"at {width} px the decoder found {links}"
    )


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("sheet", ["pledge-poster", "pledge-sheet"])
def test_printed_poster_and_sheet_qr_codes_scan(browser, server, teacher_pledge, sheet, paper):
    """The poster fits one page; the sign-up sheet's 30 rows may run on to a second, but
    its QR code is printed once, whole, on the first."""
    teacher, pledge = teacher_pledge
    context, page = new_page(browser)
    try:
        log_in(context, server, teacher)
        page.goto(server + reverse(f"pledges:{sheet}", args=[pledge.pk]))
        pdf = page.pdf(format=paper)
    finally:
        context.close()
    document = pdfium.PdfDocument(pdf)
    pages = [
        decoded_links(each.render(scale=PRINT_DPI / 72).to_pil(), f"{sheet}-{paper}-{number}")
        for number, each in enumerate(document, 1)
    ]
    document.close()
    if sheet == "pledge-poster":
        assert len(pages) == 1, f"the poster takes {len(pages)} sheets of {paper}"
    assert pages[0] == [f"{server}{pledge.get_link_url()}"], (
        f"on {paper} the decoder found {pages}"
    )
    assert sum(pages, []) == pages[0]
    assert_opens_sign_form(browser, pages[0][0], pledge)


LONG_COMMITMENT = (
    "I will tell a teacher or another adult I trust when I see or hear someone being "
    "harassed, in person or online, and I will check on them afterwards if it is safe to, "
    "even when my friends laugh."
)


@pytest.mark.parametrize("paper", ["A4", "Letter"])
@pytest.mark.parametrize("size", ["like the demo", "the longest the forms allow"])
def test_a_long_pledges_poster_still_fits_one_sheet_with_its_qr_code(browser, server, paper, size):
    """Found with the demo pledge (6 commitments) on Letter: the poster ran on to a second
    sheet and its QR code with it. Its type now shrinks with what it says."""
    from pledges.forms.teacher import COMMITMENT_MAX_LENGTH, MAX_COMMITMENTS

    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    if size == "like the demo":
        commitments, intro, names = [LONG_COMMITMENT[:105]] * 6, LONG_COMMITMENT[:130], 8
    else:
        text = (LONG_COMMITMENT * 2)[:COMMITMENT_MAX_LENGTH]
        commitments, intro, names = [text] * MAX_COMMITMENTS, LONG_COMMITMENT * 2, 35
    commitments = [f"{n}. {text}"[: len(text)] for n, text in enumerate(commitments, 1)]
    pledge = factories.make_pledge(
        factories.make_classroom(teacher), commitments=commitments, intro=intro, show_names=True
    )
    for number in range(names):  # 35 names of 12 letters: as many as the poster lists
        factories.make_signature(pledge, f"Pupil{chr(65 + number % 26)}{'ab'[number // 26]} Abc.")
    context, page = new_page(browser)
    try:
        log_in(context, server, teacher)
        page.goto(server + reverse("pledges:pledge-poster", args=[pledge.pk]))
        pdf = page.pdf(format=paper)
    finally:
        context.close()
    document = pdfium.PdfDocument(pdf)
    sheets = len(document)
    first = decoded_links(document[0].render(scale=PRINT_DPI / 72).to_pil(), f"poster-{paper}")
    document.close()
    assert sheets == 1, f"{size}: the poster takes {sheets} sheets of {paper}"
    assert first == [f"{server}{pledge.get_link_url()}"]
