"""End-to-end citizen journeys in a real browser (Playwright, run by pytest).

    scenarios.portal     what a journey needs from each portal (typing.Protocol classes)
    scenarios.pages      page objects of the emulators, `emulator_pages(page, urls)` bundles them
    scenarios.journeys   the journeys: plain functions, each step wrapped in harness.steps.step
    scenarios.suites     the pytest suites that run them (`pytest scenarios/suites`)

Point the same journeys at your own provincial portal with `--dvc-pages mypkg.pages:my_portal`
(see docs/scenarios.md).
"""
