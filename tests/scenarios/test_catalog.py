"""The catalog's templates are real, complete and valid."""

from __future__ import annotations

import pytest

from voicebox.errors import NotFound
from voicebox.scenarios.catalog import get_template, list_templates, scenario_from_template
from voicebox.scenarios.validate import validate_payload

FIELDS = {"id", "name", "description", "type", "icon", "states", "customVariables", "settings",
          "visible", "archive", "author"}
REQUIRED = {"appointment-reminder", "nps-survey", "delivery-confirmation", "debt-reminder",
            "inbound-ivr-menu", "order-status"}


def test_at_least_the_required_templates_exist():
    templates = list_templates()
    assert len(templates) >= 6
    assert {t["id"] for t in templates} >= REQUIRED


@pytest.mark.parametrize("template", list_templates(), ids=lambda t: t["id"])
def test_template_is_complete_and_valid(template):
    assert set(template) == FIELDS
    assert template["type"] in {"outgoing", "incoming"}
    assert template["visible"] == "true" and template["archive"] == "false"
    assert any("а" <= ch <= "я" for ch in template["name"].lower())
    assert validate_payload(scenario_from_template(template)) == []


def test_order_status_uses_an_http_request():
    kinds = {s["type"] for s in get_template("order-status")["states"]}
    assert {"HTTPRequest", "Input", "Condition", "Redirection"} <= kinds


def test_debt_reminder_transfers_to_an_operator():
    kinds = {s["type"] for s in get_template("debt-reminder")["states"]}
    assert "Redirection" in kinds


def test_templates_are_copies():
    get_template("nps-survey")["states"].clear()
    assert get_template("nps-survey")["states"]


def test_unknown_template():
    with pytest.raises(NotFound):
        get_template("nope")
