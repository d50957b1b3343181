"""Scenarios for the console's Vitest suite, printed as JSON by the Python side of VoiceBox.

`fixtures` prints every catalog template, the 46-state test scenario and the original
VoiceBox format; `validate` reads scenarios on stdin and prints each one's problems;
`campaign` reads campaign create bodies and prints the problems of their fields (schedule,
type, simulation: what `POST …/campaigns` checks before it looks scenarios and numbers up).
"""

import json
import sys

from voicebox.scenarios.catalog import list_templates
from voicebox.scenarios.validate import validate_payload

sys.path.insert(0, sys.argv[2])  # the repository root, for tests.*
from tests.engine.test_original_format import ORIGINAL
from tests.scenarios.samples import large, original_voicebox

if sys.argv[1] == "fixtures":
    named = {f"template {t['id']}": {**t, "title": t["name"]} for t in list_templates()}
    named |= {"46 states": large(46), "original format": ORIGINAL,
              "original voicebox": original_voicebox()}
    print(json.dumps(named, ensure_ascii=False))
elif sys.argv[1] == "campaign":
    from voicebox.campaigns.schedule import parse_schedule
    from voicebox.campaigns.schemas import CampaignCreate
    from voicebox.campaigns.service import _campaign_type
    from voicebox.errors import Problems
    from voicebox.telephony.simulated.schema import validate_simulation

    answers = []
    for body in json.load(sys.stdin):
        problems: list = []
        parsed = CampaignCreate.model_validate(body)
        _campaign_type(parsed.campaignType, parsed.launchBy, problems)
        parse_schedule(body, problems)
        if parsed.simulation is not None:
            try:
                validate_simulation(parsed.simulation)
            except Problems as error:
                problems.extend(error.problems)
        answers.append([p.name + ": " + p.message for p in problems])
    print(json.dumps(answers, ensure_ascii=False))
else:
    scenarios = json.load(sys.stdin)
    print(json.dumps([[p.name + ": " + p.message for p in validate_payload(s)] for s in scenarios],
                     ensure_ascii=False))
