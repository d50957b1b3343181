"""The prompts a program says the same way on every call, for synthesising before the calls."""

from __future__ import annotations

from collections import deque

from voicebox.engine.context import voice_of
from voicebox.engine.runner import Program
from voicebox.scenario_language.placeholders import placeholders
from voicebox.telephony.base import Prompt


def fixed_prompts(program: Program, *, limit: int) -> list[Prompt]:
    """The text prompts without placeholders, exactly as `Context.prompt` makes them, in the
    order a call meets them from the `Initial` state (the greeting first), at most `limit`.
    Unreachable states and uploaded files are left out."""
    voice = voice_of(program.settings)
    texts: dict[str, None] = {}
    seen = {program.initial}
    queue = deque([program.initial])
    while queue and len(texts) < limit:
        step = program.steps.get(queue.popleft())
        if step is None:
            continue
        announcement = getattr(step.state, "announcement", None)
        if announcement is not None and not (announcement.type == "file" and announcement.file):
            text = (announcement.text or "").strip()
            if text and not placeholders(text):
                texts[text] = None
        for target in step.edges.values():
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return [Prompt(text=text, voice=voice) for text in texts]
