"""What a pytest run inside a test leaves out to start sooner."""

# The dev extras' pytest plugins (schemathesis, hypothesis) take over 2 s of CPU to load in every pytest
# process, and Faker's own (its `faker` fixture) half a second; no inner suite uses them, nor does ours
# (tests/test_openapi_fuzz.py drives Hypothesis itself; the test data is harness.testdata's, imported by the
# tests that make data), so pyproject.toml's addopts leave them out too.
WITHOUT_UNUSED_PLUGINS = ("-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:faker")
