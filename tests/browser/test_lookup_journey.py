"""The support analyst's journey in real Chromium (axe-checked), and the printed ownership sheet."""

from __future__ import annotations

import io
import struct
import unicodedata
import zlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from readiness.demo import DEMO_PASSWORD, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_support_analyst_finds_who_to_call_at_two_am(checked_page) -> None:
    seed(timezone.localdate())
    checked_page.sign_in("analyst", DEMO_PASSWORD)
    page = checked_page.page

    # One click from the dashboard.
    page.get_by_role("link", name="Who do I call?").click()
    checked_page.check()
    page.get_by_label("What is happening?").fill("customer cannot log in")
    # Typed, with suggestions: every application's name, fetched when the field is first used.
    application = page.get_by_label("Application")
    application.fill("ordering")
    expect(page.locator("#lookup-applications option")).to_have_count(3)  # the demo's three
    suggested = page.eval_on_selector_all("#lookup-applications option", "options => options.map(o => o.value)")
    assert "Trade Ordering Portal" in suggested
    application.fill("Trade Ordering Portal")
    application.dispatch_event("change")  # as leaving the field does: the classes follow
    classes = page.get_by_label("Or pick a class of problem")
    expect(page.locator("#id_problem_class option[value='Integration misfires']")).to_have_count(1)
    assert "Access, login and permissions" in classes.inner_text()
    page.get_by_label("At another time").fill("2025-06-02T02:00")
    page.get_by_label("What is happening?").press("Enter")  # the keyboard submits
    page.wait_for_load_state()
    checked_page.check()

    answer = page.locator("#answer-heading").locator("xpath=..")
    assert "Access, login and permissions" in answer.inner_text()
    assert page.get_by_label("Application").input_value() == "Trade Ordering Portal"
    call = page.locator(".card.border-primary").inner_text()
    assert "Jomar Santos" in call
    assert "after-hours cover: primary outside hours (02:00 Mon in Australia/Melbourne)" in call
    assert "00:00 Mon 2 Jun" in call  # his own clock, in Manila
    assert "Mia Chen (primary)" in call  # the fallback chain
    assert page.get_by_role("link", name="Call +63 2 8555 0142").is_visible()

    # Follow a top match to pick the class explicitly: same answer, still axe-clean.
    page.get_by_role("link", name="Access, login and permissions").first.click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Jomar Santos" in page.locator(".card.border-primary").inner_text()


def test_who_do_i_call_works_on_a_phone(checked_page) -> None:
    seed(timezone.localdate())
    page = checked_page.page
    page.set_viewport_size({"width": 375, "height": 740})
    checked_page.sign_in("analyst", DEMO_PASSWORD)

    button = page.get_by_role("link", name="Who do I call?")
    assert button.is_visible()  # not hidden in the collapsed menu
    button.click()
    checked_page.check()
    page.get_by_label("What is happening?").fill("invoice not syncing")
    page.get_by_label("Application").fill("trade ordering")  # a unique part is enough
    page.get_by_role("button", name="Find who to call").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Integration misfires" in page.locator(".card.border-primary").inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"


def test_ownership_sheet_prints_on_one_a4_page(checked_page) -> None:
    seed(timezone.localdate())
    checked_page.sign_in("lead", DEMO_PASSWORD)
    checked_page.goto("/apps/ordering-portal/sheet/")
    page = checked_page.page

    page.emulate_media(media="print")
    pdf = PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True, print_background=False)))

    assert len(pdf.pages) == 1
    box = pdf.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    # NFKC undoes the printed ligatures (ﬁ); table cells wrap words across lines.
    text = " ".join(unicodedata.normalize("NFKC", pdf.pages[0].extract_text()).split())
    for expected in ("Integration misfires", "Jomar Santos", "+63 2 8555 0142", "No after-hours cover",
                     "Roll back a portal release"):
        assert expected in text


def _png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of an 8-bit RGB(A) PNG as Chromium writes them (no image library here)."""
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    channels = 4 if colour == 6 else 3
    chunks, at = [], 8
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        if kind == b"IDAT":
            chunks.append(png[at + 8:at + 8 + length])
        at += 12 + length
    raw, stride, previous = zlib.decompress(b"".join(chunks)), width * channels, bytearray(width * channels)
    rows: list[bytes] = []
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up, corner = previous[x], previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(b"".join(bytes(line[i:i + 3]) for i in range(0, stride, channels)))  # RGB only
        previous = line
    return width, height, rows


def test_on_a_390_px_phone_the_person_and_the_call_button_show_without_scrolling(checked_page) -> None:
    seed(timezone.localdate())
    page = checked_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    checked_page.sign_in("analyst", DEMO_PASSWORD)
    checked_page.goto("/call/")
    page.get_by_label("What is happening?").fill("orders not reaching the ERP")
    page.get_by_label("Application").fill("Trade Ordering Portal")
    page.get_by_label("At another time").fill("2025-06-02T22:00")  # L3 is closed: the runbook's advice shows too
    page.get_by_role("button", name="Find who to call").click()
    page.wait_for_load_state()
    checked_page.check()

    assert page.evaluate("window.scrollY") == 0
    person = page.locator(".card.border-primary").get_by_text("Ben Walsh", exact=True)
    button = page.get_by_role("link", name="Call +61 3 9012 4455")
    width, height, rows = _png_pixels(page.screenshot())  # the viewport as the analyst sees it, unscrolled
    assert (width, height) == (390, 844)
    for element in (person, button):
        box = element.bounding_box()
        assert box is not None
        assert 0 <= box["x"] and box["x"] + box["width"] <= width, box
        assert 0 <= box["y"] and box["y"] + box["height"] <= height, box
    # In the screenshot, where the button is drawn: Bootstrap's success green, not something over it.
    box = button.bounding_box()
    x, y = int(box["x"] + 4), int(box["y"] + box["height"] / 2)
    red, green, blue = rows[y][x * 3:x * 3 + 3]
    assert green > red + 60 and green > blue + 30, (red, green, blue)
