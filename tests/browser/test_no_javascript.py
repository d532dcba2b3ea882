"""JavaScript is an enhancement only: a student signs with it switched off."""

from pledges.models import Signature
from tests import factories
from tests.browser.conftest import new_page, sign_then_sign_again


def test_a_student_signs_and_is_told_of_a_second_signature_with_javascript_off(browser, server):
    teacher = factories.make_teacher(school=factories.make_school(), role="lead")
    pledge = factories.make_pledge(factories.make_classroom(teacher))
    context, phone = new_page(browser, phone=True, java_script_enabled=False)
    assert phone.goto(f"{server}/join/").ok

    sign_then_sign_again(phone, server, pledge, "no-js")

    # Taking the name off works without JavaScript too.
    phone.goto(f"{server}/p/{pledge.link_token}/thanks/")
    phone.get_by_role("button", name="Take my name off").click()
    phone.get_by_role("heading", name="Take your name off?").wait_for()
    assert Signature.objects.filter(pledge=pledge).exists()  # asked first, nothing gone
    phone.get_by_role("button", name="Yes, take my name off").click()
    phone.wait_for_url(f"**/p/{pledge.link_token}/")
    assert not Signature.objects.filter(pledge=pledge).exists()
    context.close()
