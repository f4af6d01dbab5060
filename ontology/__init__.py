"""The hsvo: ontology (Turtle), shipped in the wheel as hsvo_graph.ontology."""
