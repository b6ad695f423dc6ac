"""The device CSV: every bad row reported with its line number, nothing imported when one is bad."""

from __future__ import annotations

from registry.devices_csv import devices_to_csv, parse_devices_csv

GOOD = "dev_eui,name,model,site\nA8-17-58-FF-FE-0A-00-01,Eau mairie,netvox/r718h,Mairie\n"


def test_good_file() -> None:
    report = parse_devices_csv(GOOD)
    assert report.ok
    (row,) = report.rows
    assert row.dev_eui == "a81758fffe0a0001"
    assert row.line == 2


def test_every_bad_row_has_its_line_and_reason() -> None:
    text = (
        "dev_eui,name,model,site,pulse_weight,pulse_quantity\n"
        "a81758fffe0a0001,ok,netvox/r718h,Mairie,0.001,water_volume\n"
        "zz,bad eui,netvox/r718h,Mairie,,\n"
        "a81758fffe0a0003,bad model,acme/x,Mairie,,\n"
        "a81758fffe0a0001,duplicate,netvox/r718h,Mairie,,\n"
        "a81758fffe0a0005,weight without quantity,netvox/r718h,Mairie,0.001,\n"
        "a81758fffe0a0006,,netvox/r718h,Mairie,,\n"
        "a81758fffe0a0007,negative,netvox/r718h,Mairie,-1,water_volume\n"
    )
    report = parse_devices_csv(text)
    assert not report.ok
    by_line = {e.line: e.reason for e in report.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8]
    assert "dev_eui" in by_line[3]
    assert "unknown model" in by_line[4]
    assert "line 2" in by_line[5]
    assert "together" in by_line[6]
    assert "name" in by_line[7]
    assert "positive" in by_line[8]


def test_header_problems() -> None:
    assert parse_devices_csv("").errors[0].line == 1
    report = parse_devices_csv("dev_eui,name\n1,2\n")
    assert "missing column" in report.errors[0].reason
    report = parse_devices_csv("dev_eui,name,model,site,colour\n")
    assert "unknown column" in report.errors[0].reason


def test_semicolon_csv_from_a_french_spreadsheet_with_bom() -> None:
    text = "\ufeffdev_eui;name;model;site;pulse_weight;pulse_quantity\n" + (
        "a81758fffe0a0001;Eau;netvox/r718h;Mairie;0,001;water_volume\n"
    )
    report = parse_devices_csv(text)
    assert report.ok, report.errors
    assert report.rows[0].pulse_weight == 0.001


def test_ragged_row() -> None:
    report = parse_devices_csv("dev_eui,name,model,site\na81758fffe0a0001,a,netvox/r718h,b,EXTRA\n")
    assert report.errors and "more fields" in report.errors[0].reason


def test_export_round_trips() -> None:
    report = parse_devices_csv(GOOD)
    row = report.rows[0]
    text = devices_to_csv(
        [{"dev_eui": row.dev_eui, "name": row.name, "model": row.model, "site": row.site, "tags": {"a": "b"}}]
    )
    again = parse_devices_csv(text)
    assert again.ok and again.rows[0].dev_eui == row.dev_eui and again.rows[0].tags == {"a": "b"}
