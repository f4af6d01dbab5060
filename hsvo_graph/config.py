"""Default locations of the project's inputs.

The ontology and the shapes ship inside the package (hsvo_graph.ontology, hsvo_graph.shapes), so
an installed wheel builds from any directory; in a checkout they are the top-level ontology/ and
shapes/ folders, mapped onto those package names. The data has no packaged default: `data/` in
the current directory, or what `--data` names.
"""

import os
from importlib.resources import files
from pathlib import Path

DEFAULT_DATA = Path("data")
DEFAULT_ONTOLOGY = Path(str(files("hsvo_graph.ontology")))
DEFAULT_SHAPES = Path(str(files("hsvo_graph.shapes")))
DEFAULT_STORE = Path(os.environ.get("HSVO_STORE", "store"))
