"""Changes after provisioning through the API: the tenant rules of every new endpoint (another
tenant's device, site or tenant is not found; moving a site across tenants is the network
owner's admin's; removal is the admin's), the checks (a model, a pulse pair, a site of the same
tenant), the audit trail, and the spreadsheet imported again."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.unit.api.test_api import A_EUI, B_EUI, auth, client

__all__ = ["client"]

Env = tuple[TestClient, dict[str, str]]


def test_another_tenants_devices_sites_and_tenants_are_not_found(client: Env) -> None:
    c, tokens = client
    hlm = auth(tokens["hlm_admin"])
    town_site = c.get("/api/v1/sites", headers=auth(tokens["town_admin"])).json()["items"]
    mairie = next(s for s in town_site if s["name"] == "Mairie")["id"]
    assert c.patch(f"/api/v1/devices/{A_EUI}", json={"name": "x"}, headers=hlm).status_code == 404
    assert c.delete(f"/api/v1/devices/{A_EUI}", headers=hlm).status_code == 404
    assert c.patch(f"/api/v1/sites/{mairie}", json={"name": "x"}, headers=hlm).status_code == 404
    assert c.delete(f"/api/v1/sites/{mairie}", headers=hlm).status_code == 404
    town_id = c.get("/api/v1/me", headers=auth(tokens["town_admin"])).json()["tenant_id"]
    assert c.patch(f"/api/v1/tenants/{town_id}", json={"name": "x"}, headers=hlm).status_code == 404
    assert [t["slug"] for t in c.get("/api/v1/tenants", headers=hlm).json()["items"]] == ["hlm"]
    assert c.post("/api/v1/tenants", json={"slug": "x", "name": "X"}, headers=hlm).status_code == 403
    # Its own device cannot be put on the town's site.
    r = c.patch(f"/api/v1/devices/{B_EUI}", json={"site_id": mairie}, headers=hlm)
    assert r.status_code == 404
    # Nothing changed, and the town's admin sees every tenant.
    assert (
        c.get(f"/api/v1/devices/{A_EUI}", headers=auth(tokens["town_admin"])).json()["name"] == "eau mairie"
    )
    slugs = [t["slug"] for t in c.get("/api/v1/tenants", headers=auth(tokens["town_admin"])).json()["items"]]
    assert slugs == ["town", "hlm"]


def test_roles_of_changes(client: Env) -> None:
    c, tokens = client
    viewer, operator = auth(tokens["town_viewer"]), auth(tokens["town_operator"])
    assert c.patch(f"/api/v1/devices/{A_EUI}", json={"name": "x"}, headers=viewer).status_code == 403
    assert c.patch(f"/api/v1/devices/{A_EUI}", json={"name": "eau"}, headers=operator).status_code == 200
    assert c.delete(f"/api/v1/devices/{A_EUI}", headers=operator).status_code == 403
    hlm_id = c.get("/api/v1/me", headers=auth(tokens["hlm_admin"])).json()["tenant_id"]
    sites = c.get("/api/v1/sites", headers=operator).json()["items"]
    move = c.patch(f"/api/v1/sites/{sites[0]['id']}", json={"tenant_id": hlm_id}, headers=operator)
    assert move.status_code == 403


def test_changes_are_checked_and_audited(client: Env) -> None:
    c, tokens = client
    admin = auth(tokens["town_admin"])
    for body, status in [
        ({"model": "acme/nothing"}, 422),
        ({"pulse_quantity": "water_volume"}, 422),
        ({"name": None}, 422),
        ({"status": "lost"}, 422),
        ({"color": "red"}, 422),
        ({"pulse_quantity": "water_volume", "pulse_weight": 0.001, "tags": {"usage": "eau"}}, 200),
    ]:
        assert c.patch(f"/api/v1/devices/{A_EUI}", json=body, headers=admin).status_code == status, body
    entry = c.get("/api/v1/audit", headers=admin).json()["items"][0]
    assert entry["action"] == "update_device" and entry["actor"] == tokens["town_admin"].split("_")[1]
    assert entry["changes"] == {
        "pulse_quantity": [None, "water_volume"],
        "pulse_weight": [None, 0.001],
        "tags": [{}, {"usage": "eau"}],
    }
    # The same change again changes nothing and records nothing.
    same = {"pulse_quantity": "water_volume", "pulse_weight": 0.001}
    c.patch(f"/api/v1/devices/{A_EUI}", json=same, headers=admin)
    assert c.get("/api/v1/audit", headers=admin).json()["total"] == 1


def test_the_spreadsheet_imported_again(client: Env) -> None:
    c, tokens = client
    admin = auth(tokens["town_admin"])
    sheet = (
        f"dev_eui;name;model;site\n{A_EUI};eau mairie;netvox/r718h;Mairie\n"
        "a000000000000009;Gaz;netvox/r718h;Mairie\n"
    )
    first = c.post(
        "/api/v1/devices/import?dry_run=false", content=sheet.encode("cp1252"), headers=admin
    ).json()
    assert (first["created"], first["updated"], first["unchanged"]) == (1, 0, 1)
    again = c.post(
        "/api/v1/devices/import?dry_run=false", content=sheet.encode("cp1252"), headers=admin
    ).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    fixed = sheet.replace("Gaz", "Gaz cuisine")
    report = c.post("/api/v1/devices/import?dry_run=true", content=fixed.encode(), headers=admin).json()
    assert [(r["line"], r["action"], r["changes"]) for r in report["rows"] if r["action"] != "unchanged"] == [
        (3, "updated", {"name": ["Gaz", "Gaz cuisine"]})
    ]
    # A DevEUI of another tenant is refused, with its reason; nothing is applied.
    stolen = fixed + f"{B_EUI};volé;netvox/r718h;Mairie\n"
    r = c.post("/api/v1/devices/import?dry_run=false", content=stolen.encode(), headers=admin).json()
    assert [(e["line"], e["code"]) for e in r["errors"]] == [(4, "other_tenant")]
    assert c.get("/api/v1/devices/a000000000000009", headers=admin).json()["name"] == "Gaz"
