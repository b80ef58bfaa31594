"""Register, log in and log out through the pages, in Chromium."""

from playwright.sync_api import Page, expect

from tests.browser.pages_support import log_in, new_person, register_by_api
from tests.browser.server import Server


def test_register_then_log_in_and_out(app_server: Server, page: Page) -> None:
    person = new_person("r")
    page.goto(app_server.url + "/")
    expect(page).to_have_url(app_server.url + "/app/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill(person.username)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is ready")

    log_in(page, app_server, person)
    expect(page.get_by_role("heading", name="Posts", level=1)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("status")).to_have_text("You are logged out.")
    expect(page.get_by_role("link", name="Log in")).to_be_visible()


def test_a_wrong_password_gets_the_generic_message_and_keeps_the_login(
    app_server: Server, page: Page
) -> None:
    person = register_by_api(app_server)
    page.goto(app_server.url + "/app/login")
    page.get_by_label("Username or email").fill(person.username)
    page.get_by_label("Password").fill("not the password at all")
    with page.expect_response(lambda response: response.request.method == "POST") as answer:
        page.get_by_role("button", name="Log in").click()
    assert answer.value.status == 401
    expect(page.get_by_role("alert")).to_have_text("Incorrect username, email or password.")
    expect(page.get_by_label("Username or email")).to_have_value(person.username)
    expect(page.get_by_label("Password")).to_have_value("")


def test_invalid_registration_shows_each_message_next_to_its_field(
    app_server: Server, page: Page
) -> None:
    page.goto(app_server.url + "/app/register")
    page.get_by_label("Username").fill("x")
    page.get_by_label("Email").fill("someone@")
    page.get_by_label("Full name (optional)").fill("Someone")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#username-error")).to_contain_text("3 to 32")
    expect(page.locator("#email-error")).to_contain_text("not valid")
    expect(page.get_by_label("Email")).to_have_value("someone@")
    expect(page.get_by_label("Full name (optional)")).to_have_value("Someone")
    expect(page.get_by_label("Password")).to_have_value("")

    page.get_by_label("Username").fill("someone")
    page.get_by_label("Email").fill("someone@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Register").click()
    expect(page.locator("#password-error")).to_contain_text("at least")


def test_a_throttled_login_shows_how_long_to_wait(app_server: Server, page: Page) -> None:
    person = register_by_api(app_server)
    page.goto(app_server.url + "/app/login")
    statuses = []
    for _ in range(6):  # LOGIN_MAX_FAILURES is 5
        page.get_by_label("Username or email").fill(person.username)
        page.get_by_label("Password").fill("not the password at all")
        with page.expect_response(lambda response: response.request.method == "POST") as answer:
            page.get_by_role("button", name="Log in").click()
        statuses.append(answer.value.status)
    assert statuses == [401] * 5 + [429]
    expect(page.get_by_role("alert")).to_contain_text("Too many attempts. Wait ")
