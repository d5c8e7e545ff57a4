"""The OWASP API Security Top 10 (2023) suite shares the integration
suite's fixtures (fixtures.py: the real binary, the real PostgreSQL, real
HTTP) and adds the keys and records every item needs (secsupport.py)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
sys.path.insert(0, HERE)

from fixtures import *  # noqa: E402,F401,F403
from secsupport import keys, records  # noqa: E402,F401  (fixtures)
