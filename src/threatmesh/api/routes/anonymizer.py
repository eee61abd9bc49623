"""``anonymizer/*``: policies, bindings, budgets, anonymize, preview, export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from threatmesh.api.http import MispJSON, identify, json_body, misp_success, platform_of
from threatmesh.services.anonymizer import apply as run
from threatmesh.services.anonymizer import policies as svc
from threatmesh.services.platform import Identity

router = APIRouter(prefix="/anonymizer", tags=["anonymizer"])


@router.get("/techniques")
def techniques(who: Identity = Depends(identify)) -> MispJSON:
    """The registered techniques, the kinds of value each handles, their parameters."""
    return MispJSON(svc.techniques())


@router.get("/schema")
def policy_schema(who: Identity = Depends(identify)) -> MispJSON:
    """The JSON Schema of a policy document."""
    return MispJSON(svc.policy_schema())


@router.get("/policies")
def list_policies(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Stored policies (their keys are never shown)."""
    return MispJSON([{"Policy": p} for p in svc.list_policies(platform_of(request), who)])


@router.post("/policies")
def create_policy(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Store a policy (JSON document, or ``{"document": "<YAML>"}``) with fresh keys."""
    return MispJSON({"Policy": svc.create_policy(platform_of(request), who, body)})


@router.get("/policies/{ref}")
def get_policy(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """One stored policy by id, UUID or name."""
    return MispJSON({"Policy": svc.get_policy(platform_of(request), who, ref)})


@router.put("/policies/{ref}")
@router.post("/policies/{ref}")
def update_policy(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Replace a policy's document (its keys, hence its pseudonyms, stay)."""
    return MispJSON({"Policy": svc.update_policy(platform_of(request), who, ref, body)})


@router.delete("/policies/{ref}")
def delete_policy(request: Request, ref: str, who: Identity = Depends(identify)) -> MispJSON:
    """Delete a policy and its bindings."""
    svc.delete_policy(platform_of(request), who, ref)
    return misp_success("Policy deleted.", request.url.path)


@router.get("/bindings")
def list_bindings(request: Request, who: Identity = Depends(identify)) -> MispJSON:
    """Which policy applies to which recipient."""
    return MispJSON(svc.list_bindings(platform_of(request), who))


@router.post("/bindings")
def bind(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Bind a policy to a recipient: ``{"kind", "ident", "policy"}`` (kind ``default``
    for everything without a binding of its own)."""
    return MispJSON(svc.bind(platform_of(request), who, body))


@router.delete("/bindings/{kind}/{ident}")
def unbind(request: Request, kind: str, ident: str, who: Identity = Depends(identify)) -> MispJSON:
    """Remove a recipient's binding."""
    svc.unbind(platform_of(request), who, kind, ident)
    return misp_success("Binding removed.", request.url.path)


@router.post("/budgets")
def set_budget(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Grant a recipient an epsilon budget: ``{"kind", "ident", "epsilon"}``."""
    return MispJSON(svc.set_budget(platform_of(request), who, body))


@router.get("/budgets/{kind}/{ident}")
def get_budget(
    request: Request, kind: str, ident: str, who: Identity = Depends(identify)
) -> MispJSON:
    """A recipient's epsilon budget: granted, spent, remaining."""
    return MispJSON(svc.get_budget(platform_of(request), who, kind, ident))


@router.post("/anonymize")
def anonymize(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Anonymize a MISP event (``event`` or ``event_id``) under a stored or inline
    ``policy``; noise is charged to ``recipient``'s budget when one is named."""
    return MispJSON(run.anonymize(platform_of(request), who, body))


@router.post("/preview")
def preview(
    request: Request, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Before and after, the diff with the rule behind each change, and the report."""
    return MispJSON(run.preview(platform_of(request), who, body))


@router.post("/export/{ref}")
def export(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """A stored event as it leaves for ``recipient`` (through the outbound hook)."""
    return MispJSON(run.export(platform_of(request), who, ref, body))


@router.post("/statistics/{ref}")
def statistics(
    request: Request, ref: str, who: Identity = Depends(identify), body: Any = Depends(json_body)
) -> MispJSON:
    """Differentially private counts of a stored event for ``recipient`` (attributes per
    category and type, sightings), charged to its epsilon budget."""
    return MispJSON(run.release_statistics(platform_of(request), who, ref, body))
