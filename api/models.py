"""Pydantic models of every JSON answer of /api, so OpenAPI documents them exactly."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Ref(BaseModel):
    iri: str
    label: str = Field(description="The name on the date asked (for answers about a date)")
    label_today: str | None = Field(
        default=None, description="Today's name, when the resource bore another on the date"
    )


class LawRef(Ref):
    id_local: str | None = None
    in_force_from: str | None = None
    in_force_until: str | None = None


class SourceRef(BaseModel):
    resource: str = Field(description="The resource whose sources these are")
    documents: list[str] = Field(description="Source documents (seed file name, SFS number …)")
    titles: list[str]
    sections: list[str] = Field(description="Section headings, verbatim")


class TransferRef(Ref):
    from_party: Ref | None = None
    to_party: Ref | None = None
    agreement: Ref | None = None
    start: str | None = None


class Part(BaseModel):
    task: Ref
    setting: Ref | None = Field(
        default=None, description="Housing form or care setting (ordinärt boende, särskilt boende)"
    )
    care_kind: Ref | None = Field(default=None, description="Kind of care (for example doctors')")


class ResponsibleParty(BaseModel):
    party: Ref
    kind: str = Field(description="Region, Municipality, StateAgency, LegalRole …")
    parts: list[Part] = Field(description="The tasks this party carries")
    excluded: list[Part] = Field(
        description="Narrower tasks of the asked one that another party carries"
    )
    layers: list[str] = Field(
        description='Where the answer comes from: "law" (the statutory baseline), "source" '
        '(a county or municipality rule in a source document), "agreement" (a transfer)'
    )
    legal_basis: list[LawRef]
    agreements: list[Ref]
    transfers: list[TransferRef]
    explanation: dict[str, str] = Field(description="One sentence or more, by language (sv, en)")
    path: list[Ref] = Field(description="The node path in the graph from the task to the party")
    sources: list[SourceRef]
    responsibility: str
    ultimate_responsibility: bool | None = None
    notes: dict[str, list[str]] = Field(description="Caveats of the rules applied, by language")


class ResponsibilityAnswer(BaseModel):
    task: Ref
    rule_task: Ref | None = Field(
        description="The task whose rule applied (the asked or a broader)"
    )
    municipality: Ref
    municipality_code: str | None
    municipality_on_date: Ref | None = Field(
        description="The kommun that covered the area on the date, when it was another"
    )
    county: Ref | None = Field(description="The county the municipality lay in on the date")
    regional_principal: Ref | None = Field(
        description="The county council or region (or the kommun itself) on the date"
    )
    date: str
    status: str = Field(description='"known", or "unknown" when the graph holds no rule')
    parties: list[ResponsibleParty]
    notes: dict[str, list[str]]
    missing: dict[str, str] | None = Field(description="What the graph lacks, when unknown")


class BodySummary(BaseModel):
    id: str
    iri: str
    label: str
    labels: dict[str, str]
    kind: str | None
    level: str | None
    county: str | None
    areas: list[str] = Field(
        description="Data areas describing it: uppsala, stockholm, sodra-alvsborg"
    )
    meetings_per_year: int | None
    decision_making: bool | None


class Seat(BaseModel):
    member: Ref
    roles: list[str]
    voting: bool | None
    appointed_by: list[Ref]


class BodyDetail(BodySummary):
    alt_labels: list[str]
    description: str | None
    chair_rule: str | None
    members: list[Seat]
    reports_to: list[Ref]
    prepares_matters_for: list[Ref]
    escalates_to: list[Ref]
    receives_from: list[Ref] = Field(
        description="Bodies that report, prepare or escalate to this one"
    )
    established_by: list[Ref]
    sources: list[SourceRef]


class AgreementStatus(BaseModel):
    iri: str
    label: str
    kind: str
    parties: list[Ref]
    date: str
    status: str = Field(description='"in force", "not yet in force", "ended" or "unknown"')
    start: str | None
    original_end: str | None
    current_end: str | None = Field(description="End of the current term after automatic renewals")
    renewals: int
    notice_deadline: str | None = Field(description="Last day to give notice for the current term")
    notice_period: str | None
    renewal_period: str | None
    note: str


class Activity(BaseModel):
    iri: str
    label: str
    year: int | None
    plan: list[Ref]
    responsible: list[Ref]
    affected: list[Ref]
    follow_up_status: str | None
    follow_up_text: str | None


class CommitteeActivities(BaseModel):
    committee: Ref | None
    year: int | None
    responsible: list[Activity]
    affected: list[Activity]


class PathAnswer(BaseModel):
    start: Ref
    end: Ref | None
    path: list[Ref]
    relations: list[str] = Field(description="The relation of each step: reports to, escalates to")


class SearchHit(BaseModel):
    iri: str
    label: str
    kind: str
    matched: str


class ValidationResult(BaseModel):
    severity: str
    focus: str
    path: str | None
    value: str | None
    shape: str
    component: str
    messages: dict[str, str]
    files: list[str]


class ValidationReport(BaseModel):
    build_id: str
    build_time: str
    conforms: bool
    violations: int
    warnings: int
    results: list[ValidationResult]
