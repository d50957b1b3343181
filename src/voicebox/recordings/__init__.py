"""Call recordings: every call writes through a tap its driver opens (live.py; text-mode
simulated calls render their timeline into it when they end), stored by the recorder
(recorder.py), served and purged."""
