"""The model's weights and thresholds: resources/weights.yaml with engage.yaml's overrides merged in.

``load_weights`` validates the overrides (unknown keys, types, ranges, orderings) and
reports every problem at once; given where the overrides sit in engage.yaml (``path`` and
the ``lines`` of their keys), each problem names that file, line and field.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from ..errors import DataError, Problem
from ..taxonomy import AREA_KEYS
from ..yamlsafe import YamlProblem, compose_text, plain_value
from .model import to_plain


@dataclass(frozen=True, slots=True)
class Weights:
    """Every weight and threshold of the model, from resources/weights.yaml (plus overrides)."""

    version: str
    severity: Mapping[str, float]
    allegation_status: Mapping[str, float]
    no_response: float
    recency_full_months: float
    recency_half_life_months: float
    recency_floor: float
    corroboration_step: float
    corroboration_max: float
    commitment_base: float
    quantified: float
    time_bound: float
    verification: Mapping[str, float]
    commitment_status: Mapping[str, float]
    penalty: Mapping[str, float]
    credible_min: float
    policy_status: Mapping[str, float]
    baseline: Mapping[str, float]  # engage.yaml's overrides of the taxonomy's sector baselines
    exposure_scale: float
    management_scale: float
    manageable_inherent: float
    manageable_evidence: float
    bands: Mapping[str, float]
    overall: tuple[float, ...]
    peak_months: int
    trend_months: int
    trend_threshold: float
    stale_months: int
    evidence_stale_months: int
    gap_min_exposure: float
    max_questions_per_gap: int
    opportunities_per_area: int
    peer_verification: tuple[str, ...]
    raw: Mapping[str, Any] = dataclasses.field(repr=False, compare=False, hash=False, default_factory=dict)

    def band(self, net: float) -> str:
        """Return the band of a net risk value: low, moderate, elevated or high."""
        if net >= self.bands["high"]:
            return "high"
        if net >= self.bands["elevated"]:
            return "elevated"
        if net >= self.bands["moderate"]:
            return "moderate"
        return "low"

    def to_dict(self) -> dict[str, Any]:
        """Return the weights as the nested mapping of weights.yaml (JSON-serialisable)."""
        return json.loads(json.dumps(to_plain(self.raw)))


def packaged_weights_text() -> str:
    """Return the text of the packaged weights.yaml."""
    return (resources.files("engage") / "resources" / "weights.yaml").read_text(encoding="utf-8")


def _packaged_weights() -> dict[str, Any]:
    try:
        node = compose_text(packaged_weights_text())
    except YamlProblem as exc:  # pragma: no cover - packaged file
        raise DataError(f"engage/resources/weights.yaml:{exc.line}:{exc.column}: {exc.message}") from None
    data = plain_value(node) if node is not None else None
    if not isinstance(data, dict):  # pragma: no cover - packaged file
        raise DataError("engage/resources/weights.yaml: expected a mapping")
    return data


def _merge(base: Any, over: Any, where: str, problems: list[tuple[str, str]]) -> Any:
    """Return ``base`` with ``over`` merged in; collect unknown keys and type mismatches."""
    if isinstance(base, dict):
        if not isinstance(over, dict):
            problems.append((f"weights.{where}", f"expected a mapping with keys {', '.join(base)}"))
            return base
        out = dict(base)
        for key, value in over.items():
            key = str(key)
            path = f"{where}.{key}" if where else key
            if path == "baseline":
                out[key] = _baselines(value, problems)
                continue
            if key not in base:
                problems.append((f"weights.{path}", f"unknown key '{key}'; known keys: {', '.join(base)}"))
                continue
            out[key] = _merge(base[key], value, path, problems)
        return out
    if isinstance(base, list):
        if not isinstance(over, list):
            problems.append((f"weights.{where}", "expected a list"))
            return base
        kind = type(base[0]) if base else None
        for item in over:
            if (kind in (int, float) and not _is_number(item)) or (kind is str and not isinstance(item, str)):
                what = "number" if kind in (int, float) else "text"
                problems.append((f"weights.{where}", f"'{item}' is not a {what}"))
                return base
        return list(over)
    if isinstance(base, bool) or isinstance(base, str):
        if not isinstance(over, (str, int, float)) or isinstance(over, bool):
            problems.append((f"weights.{where}", "expected text"))
            return base
        return str(over)
    if _is_number(base):
        if not _is_number(over):
            problems.append((f"weights.{where}", f"'{over}' is not a number"))
            return base
        return over
    return over  # pragma: no cover


def _baselines(over: Any, problems: list[tuple[str, str]]) -> dict[str, Any]:
    """Return the baseline overrides (area key -> points >= 0); collect unknown areas and bad values."""
    if not isinstance(over, dict):
        problems.append(("weights.baseline", f"expected a mapping of area keys ({', '.join(AREA_KEYS)}) to points"))
        return {}
    out: dict[str, Any] = {}
    for key, value in over.items():
        key = str(key)
        if key not in AREA_KEYS:
            problems.append((f"weights.baseline.{key}", f"unknown area '{key}'; areas: {', '.join(AREA_KEYS)}"))
        elif not _is_number(value) or value < 0:
            problems.append((f"weights.baseline.{key}", f"'{value}' is not a number >= 0"))
        else:
            out[key] = value
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check(data: dict[str, Any], problems: list[tuple[str, str]]) -> None:
    """Collect the constraints the model relies on (ranges, orderings, monotonicity)."""

    def at_least(path: str, value: float, low: float, strict: bool = False) -> None:
        if value < low or (strict and value == low):
            problems.append((f"weights.{path}", f"{value} must be {'>' if strict else '>='} {low}"))

    a, c, s, t = data["allegations"], data["commitments"], data["scores"], data["time"]
    sev = [a["severity"][k] for k in ("low", "medium", "high", "severe")]
    if any(x < 0 for x in sev) or sev != sorted(sev):
        problems.append(("weights.allegations.severity", "must be >= 0 and rise from low to severe"))
    for k, v in a["status"].items():
        at_least(f"allegations.status.{k}", v, 0)
    at_least("allegations.no_response", a["no_response"], 1)
    at_least("allegations.recency.full_months", a["recency"]["full_months"], 0)
    at_least("allegations.recency.half_life_months", a["recency"]["half_life_months"], 0, strict=True)
    floor = a["recency"]["floor"]
    if not 0 <= floor <= 1:
        problems.append(("weights.allegations.recency.floor", f"{floor} must be between 0 and 1"))
    at_least("allegations.corroboration.per_extra_source", a["corroboration"]["per_extra_source"], 0)
    at_least("allegations.corroboration.max", a["corroboration"]["max"], 1)
    for k in ("base", "quantified", "time_bound", "credible_min"):
        at_least(f"commitments.{k}", c[k], 0)
    for group in ("verification", "status", "penalty"):
        for k, v in c[group].items():
            at_least(f"commitments.{group}.{k}", v, 0)
    at_least("scores.exposure_scale", s["exposure_scale"], 0, strict=True)
    at_least("scores.management_scale", s["management_scale"], 0, strict=True)
    for k, v in s["manageable"].items():
        if not 0 <= v <= 1:
            problems.append((f"weights.scores.manageable.{k}", f"{v} must be between 0 and 1"))
    for k, v in data["policies"]["status"].items():
        at_least(f"policies.status.{k}", v, 0)
    bands = [s["bands"][k] for k in ("moderate", "elevated", "high")]
    if bands != sorted(bands) or bands[0] <= 0 or bands[-1] > 100:
        problems.append(("weights.scores.bands", "thresholds must rise (moderate <= elevated <= high) within (0, 100]"))
    overall = s["overall"]
    if (
        not overall
        or any(w < 0 for w in overall)
        or abs(sum(overall) - 1) > 1e-9
        or overall != sorted(overall, reverse=True)
    ):
        problems.append(("weights.scores.overall", "weights must be >= 0, non-increasing and sum to 1"))
    for k in ("peak_months", "trend_months", "stale_months", "evidence_stale_months"):
        if not isinstance(t[k], int) or t[k] < 1:
            problems.append((f"weights.time.{k}", "must be a whole number of months >= 1"))
    if (
        isinstance(t["peak_months"], int)
        and isinstance(t["trend_months"], int)
        and t["trend_months"] > t["peak_months"]
    ):
        problems.append(("weights.time.trend_months", "must not exceed time.peak_months"))
    at_least("time.trend_threshold", t["trend_threshold"], 0)
    at_least("gaps.min_exposure", data["gaps"]["min_exposure"], 0)
    for k, path in (("max_questions_per_gap", "gaps"), ("per_area", "opportunities")):
        v = data[path][k]
        if not isinstance(v, int) or v < 0:
            problems.append((f"weights.{path}.{k}", "must be a whole number >= 0"))
    for v in data["opportunities"]["peer_verification"]:
        if v not in c["verification"]:
            problems.append(
                (
                    "weights.opportunities.peer_verification",
                    f"'{v}' is not one of {', '.join(c['verification'])}",
                )
            )


def load_weights(
    overrides: Mapping[str, Any] | None = None,
    *,
    path: str | None = None,
    lines: Mapping[str, tuple[int, int]] | None = None,
) -> Weights:
    """Return the packaged weights with ``overrides`` (engage.yaml's ``weights:``) merged in.

    Raises DataError naming every unknown key, mistyped value or broken constraint. Given
    ``path`` (engage.yaml as shown to the user) and ``lines`` (where each key under
    ``weights:`` sits: "weights.allegations.recency.floor" -> (line, column), as
    ``Settings.weights_lines`` holds them), the error's ``problems`` name that file, the
    line of the nearest key and the field; without ``path`` its message lists them as text.
    With overrides the version becomes ``<version>+<hash of the overrides>`` (their own
    ``version`` if they set one, else the packaged one), so a profile always says which
    numbers made it: naming a version never hides changed numbers.
    """
    data, problems = _merged(overrides)
    if problems:
        if path is None:
            raise DataError("invalid weights:\n" + "\n".join(f"{field}: {message}" for field, message in problems))
        raise DataError([locate_problem(field, message, path, lines or {}) for field, message in problems])
    version = str(data["version"])
    changes = {k: v for k, v in (overrides or {}).items() if k != "version"}
    if changes:
        digest = hashlib.sha256(json.dumps(to_plain(changes), sort_keys=True).encode()).hexdigest()[:8]
        version = f"{version}+{digest}"
        data = {**data, "version": version}
    a, c, s, t = data["allegations"], data["commitments"], data["scores"], data["time"]
    ro = MappingProxyType
    return Weights(
        version=version,
        severity=ro({k: float(v) for k, v in a["severity"].items()}),
        allegation_status=ro({k: float(v) for k, v in a["status"].items()}),
        no_response=float(a["no_response"]),
        recency_full_months=float(a["recency"]["full_months"]),
        recency_half_life_months=float(a["recency"]["half_life_months"]),
        recency_floor=float(a["recency"]["floor"]),
        corroboration_step=float(a["corroboration"]["per_extra_source"]),
        corroboration_max=float(a["corroboration"]["max"]),
        commitment_base=float(c["base"]),
        quantified=float(c["quantified"]),
        time_bound=float(c["time_bound"]),
        verification=ro({k: float(v) for k, v in c["verification"].items()}),
        commitment_status=ro({k: float(v) for k, v in c["status"].items()}),
        penalty=ro({k: float(v) for k, v in c["penalty"].items()}),
        credible_min=float(c["credible_min"]),
        policy_status=ro({k: float(v) for k, v in data["policies"]["status"].items()}),
        baseline=ro({k: float(v) for k, v in data["baseline"].items()}),
        exposure_scale=float(s["exposure_scale"]),
        management_scale=float(s["management_scale"]),
        manageable_inherent=float(s["manageable"]["inherent"]),
        manageable_evidence=float(s["manageable"]["evidence"]),
        bands=ro({k: float(v) for k, v in s["bands"].items()}),
        overall=tuple(float(w) for w in s["overall"]),
        peak_months=int(t["peak_months"]),
        trend_months=int(t["trend_months"]),
        trend_threshold=float(t["trend_threshold"]),
        stale_months=int(t["stale_months"]),
        evidence_stale_months=int(t["evidence_stale_months"]),
        gap_min_exposure=float(data["gaps"]["min_exposure"]),
        max_questions_per_gap=int(data["gaps"]["max_questions_per_gap"]),
        opportunities_per_area=int(data["opportunities"]["per_area"]),
        peer_verification=tuple(data["opportunities"]["peer_verification"]),
        raw=ro(data),
    )


def weights_problems(
    overrides: Mapping[str, Any] | None,
    path: str,
    lines: Mapping[str, tuple[int, int]] | None = None,
) -> list[Problem]:
    """Return every problem of ``overrides``, each located at its nearest key in ``lines`` (empty when valid)."""
    _, problems = _merged(overrides)
    return [locate_problem(field, message, path, lines or {}) for field, message in problems]


def locate_problem(field: str, message: str, path: str, lines: Mapping[str, tuple[int, int]]) -> Problem:
    """Return a Problem about ``field`` ("weights.a.b") in ``path``, at the line of its nearest key in ``lines``."""
    key = field
    while key and key not in lines:
        key = key.rpartition(".")[0]
    line, column = lines.get(key, (0, 0))
    return Problem(path, line, column, field, message)


def _merged(overrides: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Return the packaged weights with ``overrides`` merged in, and every (field, message) problem found."""
    base = _packaged_weights()
    problems: list[tuple[str, str]] = []
    data = _merge(base, dict(overrides or {}), "", problems) if overrides else base
    # Constraints too, even after a typo: a mistyped value stays at its packaged value, so
    # what the constraints find is real, and engage.yaml's mistakes come out in one run.
    _check(data, problems)
    return data, problems
