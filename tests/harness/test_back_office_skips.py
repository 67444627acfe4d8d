"""A back-office method the portal cannot offer raises NotImplementedError: the tests that need it are skipped,
saying which method (scenarios.portal.PortalBackOffice), the session's catalogue fixture as much as a test."""

from __future__ import annotations

import pytest

from tests.nested import WITHOUT_UNUSED_PLUGINS

pytest_plugins = ["pytester"]
INNER = ("-p", "no:cacheprovider", "-p", "no:playwright", "-p", "no:xdist", "-rs")

HOOKS = '''
from scenarios.backoffice import emulator_back_office


class NoOfficers:
    """A portal whose officers' work cannot be done from outside, nor its catalogue read."""

    def __init__(self, urls, namespace, admin_token):
        self.emulator = emulator_back_office(urls, namespace=namespace, admin_token=admin_token)

    def local_accounts(self):
        return self.emulator.local_accounts()

    def result_ready(self, code):
        raise NotImplementedError("our officers work by hand")

    def catalogue(self):
        raise NotImplementedError


def back_office(urls, *, namespace, admin_token):
    return NoOfficers(urls, namespace, admin_token)
'''

TESTS = '''
import pytest


@pytest.fixture(scope="session")
def catalogue(dvc_back_office_factory):
    return dvc_back_office_factory("catalogue").catalogue()


def test_result_ready(dvc_back_office):
    dvc_back_office.result_ready("G22.99-230101-0001")
    raise AssertionError("not reached: the method it needs is not implemented")


def test_needs_the_catalogue(catalogue):
    raise AssertionError("not reached")


def test_accounts(dvc_back_office):
    assert dvc_back_office.local_accounts() == []
'''


def test_a_method_the_back_office_lacks_skips_the_tests_that_need_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(hooks_lacking=HOOKS, test_lacking=TESTS)
    pytester.syspathinsert()
    result = pytester.runpytest_inprocess(*INNER, "--dvc-hooks=hooks_lacking:back_office")
    result.assert_outcomes(passed=1, skipped=2)
    out = result.stdout.str()
    assert "the portal's back office does not implement result_ready: our officers work by hand" in out
    assert "the portal's back office does not implement catalogue" in out


def test_the_wrapped_back_office_keeps_its_answers_and_errors() -> None:
    from harness.steps import StepUnavailable, lacking

    class Office:
        name = "office"

        def dossier(self, code: str) -> None:
            raise LookupError(code)

        def local_logins(self) -> list[dict[str, str]]:
            return [{"rule": "created"}]

        def result_ready(self, code: str) -> None:
            raise NotImplementedError("no officers")

    office = lacking(Office(), "the portal's back office")
    assert office.name == "office" and office.local_logins() == [{"rule": "created"}]
    with pytest.raises(LookupError):                       # only NotImplementedError becomes a skip
        office.dossier("x")
    with pytest.raises(StepUnavailable, match="does not implement result_ready: no officers"):  # a skip
        office.result_ready("x")


PAGES = '''
from scenarios.pages import emulator_pages


class NoSearch:
    """The provincial page object of a portal whose catalogue page has no search box yet."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def search(self, text):
        raise NotImplementedError("our search box comes in the next release")


def portal(page, urls):
    portals = emulator_pages(page, urls)
    portals.provincial = NoSearch(portals.provincial)
    return portals
'''

PAGE_TESTS = '''
def test_search(dvc_pages):
    dvc_pages.provincial.home()
    dvc_pages.provincial.search("lý lịch")
    raise AssertionError("not reached: the page object does not search")


def test_home(dvc_pages):
    dvc_pages.provincial.home()
'''


def test_a_page_object_that_lacks_a_method_skips_the_journey_naming_it(pytester: pytest.Pytester) -> None:
    """A page object raising NotImplementedError is treated as a back office doing so: a skip, naming the method."""
    pytester.makepyfile(pages_lacking=PAGES, test_pages_lacking=PAGE_TESTS)
    pytester.syspathinsert()
    # a process of its own: the browser's Playwright must not meet this session's
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-rs", *WITHOUT_UNUSED_PLUGINS,
                                           "--dvc-pages=pages_lacking:portal")
    result.assert_outcomes(passed=1, skipped=1)
    assert ("the provincial page object does not implement search: our search box comes in the next release"
            in result.stdout.str())
