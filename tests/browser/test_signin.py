"""Signing in to the pages with a token, in a real browser."""

from __future__ import annotations

from typing import Any

from .conftest import Site, screenshot, sign_in


def test_sign_in_keeps_an_http_only_session_and_sign_out_ends_it(site: Site, context: Any,
                                                                  shots: Any) -> None:
    first = site.add("original", "alice", "p1", assessor="grace")  # not one of ada's students
    second = site.add("identical", "bob", "p1")
    page = context.new_page()

    response = page.goto(f"{site.url}/reports/{second}")
    assert response.status == 401
    assert page.get_by_role("heading", name="Sign in").is_visible()
    # Nothing of the report before signing in (alice is shown to an assessor as her pseudonym).
    assert "alice" not in page.content() and site.other("alice") not in page.content()
    screenshot(page, shots, "signin")

    page.get_by_label("Token").fill("orig_not-a-token")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("That token is not valid")
    assert page.request.get(f"{site.url}/submissions").status == 401

    page.get_by_label("Token").fill(site.token("assessor", "ada"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}/reports/{second}")  # back where the person was going
    assert site.other("alice") in page.content()
    [cookie] = [c for c in context.cookies() if c["name"] == "originality_session"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie") == ""  # scripts cannot read the session

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/signin")
    assert page.goto(f"{site.url}/reports/{first}").status == 401


def test_a_form_posted_from_another_site_is_refused(site: Site, context: Any) -> None:
    page = context.new_page()
    sign_in(page, site, site.token("staff", "dean"))
    # A request that carries the session cookie but not the form's CSRF secret, as a form on
    # a hostile site would, is refused.
    response = page.request.post(f"{site.url}/signout", form={"note": "x"})
    assert response.status == 400
    assert "The form has expired" in response.text()
    assert page.goto(f"{site.url}/queue").status == 200  # still signed in
