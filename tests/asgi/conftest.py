"""Makes the helpers of this folder (``rawclient``, ``serving_app``)
importable by its test modules."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
