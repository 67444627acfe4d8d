"""Campaign capacity tests with Locust: profiles (load/profiles/*.toml), users over the harness's
clients, SLO gates and the consistency check. Run them with `dvc-harness load`.

Only load.locustfile imports Locust (and it runs in a process of its own: Locust monkey-patches
the process with gevent); the rest of the package is plain Python the CLI and the tests import.
"""
