"""Print the live /openapi.json of VoiceBox (what the console's TypeScript types come from)."""

import json

from voicebox.app import create_app

print(json.dumps(create_app().openapi(), ensure_ascii=False, indent=1, sort_keys=True))
