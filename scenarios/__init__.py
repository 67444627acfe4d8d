"""End-to-end journeys in a real browser (Playwright, run by pytest): citizens, officers, resilience.

    scenarios.portal      what a journey needs from each portal (typing.Protocol classes)
    scenarios.pages       page objects of the emulators, `emulator_pages(page, urls)` bundles them;
                          scenarios.pages.officer: the one-stop back office
    scenarios.journeys    the citizen journeys: plain functions, each step wrapped in harness.steps.step
    scenarios.officers    officer steps the officer and resilience journeys share
    scenarios.resilience  journeys under test control (faults, clock, journal)
    scenarios.suites      the pytest suites that run them (`pytest scenarios/suites`)

Point the citizen journeys at your own provincial portal with `--dvc-pages mypkg.pages:my_portal`
(see docs/scenarios.md).
"""
