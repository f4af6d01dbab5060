"""IRIs and prefixes used everywhere, so that no module spells a namespace twice."""

from rdflib import Namespace
from rdflib.namespace import DCAT, DCTERMS, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD

HSVO = Namespace("https://w3id.org/hsvo/ontology#")
HSVOSH = Namespace("https://w3id.org/hsvo/shapes#")
ID = Namespace("https://w3id.org/hsvo/id/")
GRAPH = Namespace("https://w3id.org/hsvo/graph/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
CV = Namespace("http://data.europa.eu/m8g/")
RINFO_SFS = Namespace("http://rinfo.lagrummet.se/publ/sfs/")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, str] = {
    "hsvo": str(HSVO),
    "hsvosh": str(HSVOSH),
    "id": str(ID),
    "graph": str(GRAPH),
    "eli": str(ELI),
    "cv": str(CV),
    "sfs": str(RINFO_SFS),
    "org": str(ORG),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "dcat": str(DCAT),
    "prov": str(PROV),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "sh": str(SH),
}


def sparql_prologue() -> str:
    """PREFIX lines for every prefix above, for queries and the query page."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())


def shorten(iri: str) -> str:
    """Write an IRI as prefix:local when a known prefix fits, else as <iri>."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri[len(ns) :] and "/" not in iri[len(ns) :]:
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"
