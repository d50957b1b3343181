import json

from voicebox.telephony.scripted import dtmf, say


async def test_smoke(run, chain):
    states = chain(
        {"type": "OutgoingCall", "name": "dial", "phone": "{{phone}}"},
        {"type": "IVR", "name": "ask", "announcement": {"type": "text", "text": "Привет, {{name|друг}}. Нажмите 1"},
         "inputAnalysis": [{"dtmf": "1", "success": "bye"}, {"keywords": [{"name": "Согласие"}], "success": "bye"}],
         "onNoInput": "bye"},
        {"type": "ReleaseCall", "name": "bye"},
    )
    outcome, call = await run(states, [say("да, конечно")])
    print(json.dumps(outcome.to_json(), ensure_ascii=False, indent=1))
    print(call.log)
    assert outcome.status == 200
    assert dtmf
