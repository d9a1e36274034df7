import sys
from pathlib import Path

# Lets test modules import tests/helpers.py and tests/lab/labkit.py by name.
sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "lab"))
