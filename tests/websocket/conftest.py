"""Makes the helpers of this folder (``ws_serving_app``, ``wsclient``)
importable by its test modules."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
