"""Default locations of the project's inputs, resolved from the checkout the package runs from."""

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT_ROOT / "data"
DEFAULT_ONTOLOGY = PROJECT_ROOT / "ontology"
DEFAULT_SHAPES = PROJECT_ROOT / "shapes"
DEFAULT_STORE = Path(os.environ.get("HSVO_STORE", "store"))
