"""Test configuration: a reproducible hypothesis profile for CI.

Locally hypothesis explores new random examples on every run. Under ``CI`` (set by
``.ci/run``) it draws the same examples every time, so that a landing never depends on the
luck of the draw.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
