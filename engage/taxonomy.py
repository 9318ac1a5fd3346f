"""The action-area taxonomy: areas, their standards, question banks, opportunities, materials."""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import DataError
from .spec import Context, Field, Obj, convert_object
from .yamlsafe import YamlProblem, compose_file, compose_text

AREA_KEYS: tuple[str, ...] = (
    "steel",
    "aluminum",
    "batteries",
    "minerals",
    "workers-rights",
    "fpic",
    "hrdd",
    "environmental-dd",
    "grievance",
    "recycling",
    "scope3",
    "disclosure",
    "legislation",
)

_TEXTS = Field("x", "text")

# Question templates are keyed by the kind of gap they answer; see engage/profile/gaps.py and
# engage/profile/questions.py.
QUESTION_KINDS: tuple[str, ...] = (
    "allegation",
    "no-response",
    "no-commitment",
    "overdue",
    "missed",
    "unverified",
    "stale",
    "general",
)

QUESTIONS_SPEC = Obj(
    tuple(
        Field(kind, "list", items=_TEXTS, description=f"question templates for '{kind}' gaps")
        for kind in QUESTION_KINDS
    )
)

AREA_SPEC = Obj(
    (
        Field("key", "id", required=True),
        Field("title", "text", required=True),
        Field("short", "text", required=True),
        Field("description", "text", required=True),
        Field(
            "baseline",
            "number",
            minimum=0,
            maximum=20,
            description="inherent exposure of a typical automaker in this area, in allegation points",
        ),
        Field("baseline_why", "text", description="why the sector is exposed here, in a sentence or two"),
        Field("standards", "list", items=_TEXTS),
        Field("questions", "object", obj=QUESTIONS_SPEC),
        Field("opportunities", "list", items=_TEXTS),
    )
)

TAXONOMY_SPEC = Obj(
    (
        Field("version", "int", required=True),
        Field("materials", "list", items=Field("material", "id")),
        Field("areas", "list", items=Field("area", "object", obj=AREA_SPEC), unique="key"),
    )
)


@dataclass(frozen=True)
class Area:
    """One action area: what it covers, which rules bear on it, what to ask and praise."""

    key: str
    title: str
    short: str
    description: str
    baseline: float = 0.0  # the sector's inherent exposure, in allegation points (docs/methodology.md)
    baseline_why: str = ""
    standards: tuple[str, ...] = ()
    questions: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    opportunities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    """The thirteen areas in their canonical order, and the materials vocabulary."""

    version: int
    areas: tuple[Area, ...]
    materials: tuple[str, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        """Return the area keys in order."""
        return tuple(a.key for a in self.areas)

    def area(self, key: str) -> Area:
        """Return the area with ``key``; raises KeyError."""
        for a in self.areas:
            if a.key == key:
                return a
        raise KeyError(key)


def _area_from(raw: dict[str, Any]) -> Area:
    return Area(
        key=raw["key"],
        title=raw["title"],
        short=raw["short"],
        description=raw["description"],
        baseline=float(raw.get("baseline", 0.0)),
        baseline_why=raw.get("baseline_why", ""),
        standards=tuple(raw.get("standards", ())),
        questions={k: tuple(v) for k, v in raw.get("questions", {}).items()},
        opportunities=tuple(raw.get("opportunities", ())),
    )


def _read(label: str, path: Path | None, text: str | None) -> dict[str, Any]:
    ctx = Context(label)
    try:
        node = compose_file(path) if path is not None else compose_text(text or "")
    except YamlProblem as exc:
        raise DataError(f"{label}:{exc.line}:{exc.column}: {exc.message}") from None
    if node is None:
        raise DataError(f"{label}: the taxonomy file is empty")
    raw = convert_object(TAXONOMY_SPEC, node, "", ctx)
    if ctx.problems:
        raise DataError(ctx.problems)
    assert raw is not None
    return raw


def packaged_taxonomy_text() -> str:
    """Return the text of the packaged taxonomy.yaml."""
    return (resources.files("engage") / "resources" / "taxonomy.yaml").read_text(encoding="utf-8")


def load_taxonomy(workspace_root: Path | None = None) -> Taxonomy:
    """Return the packaged taxonomy, with areas and materials of ``<workspace>/taxonomy.yaml`` merged over it.

    Raises DataError when either file is invalid or an override names an unknown area.
    """
    base = _read("engage/resources/taxonomy.yaml", None, packaged_taxonomy_text())
    areas = {a["key"]: _area_from(a) for a in base.get("areas", [])}
    materials = list(base.get("materials", []))
    version = base["version"]
    override_path = workspace_root / "taxonomy.yaml" if workspace_root is not None else None
    if override_path is not None and override_path.is_file():
        label = "taxonomy.yaml"
        over = _read(label, override_path, None)
        for raw in over.get("areas", []):
            if raw["key"] not in areas:
                raise DataError(
                    f"{label}: area '{raw['key']}' is not one of the thirteen action areas ({', '.join(AREA_KEYS)})"
                )
            old = areas[raw["key"]]
            new = _area_from(raw)
            areas[raw["key"]] = Area(
                key=old.key,
                title=new.title,
                short=new.short,
                description=new.description,
                baseline=new.baseline if "baseline" in raw else old.baseline,
                baseline_why=new.baseline_why or old.baseline_why,
                standards=new.standards or old.standards,
                questions={**old.questions, **new.questions},
                opportunities=new.opportunities or old.opportunities,
            )
        materials += [m for m in over.get("materials", []) if m not in materials]
        version = over["version"]
    missing = [k for k in AREA_KEYS if k not in areas]
    if missing:
        raise DataError(f"taxonomy is missing areas: {', '.join(missing)}")
    return Taxonomy(version=version, areas=tuple(areas[k] for k in AREA_KEYS), materials=tuple(materials))
