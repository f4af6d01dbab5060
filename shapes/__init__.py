"""The SHACL shapes (Turtle), shipped in the wheel as hsvo_graph.shapes."""
