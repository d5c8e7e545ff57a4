"""The integration suite's fixtures live in fixtures.py, shared with the
other suites under tests/ (each has a conftest.py like this one)."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fixtures import *  # noqa: E402,F401,F403
