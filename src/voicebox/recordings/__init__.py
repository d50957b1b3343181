"""Call recordings: written live by audio calls' media legs (live.py), rendered from the
timeline for text-mode simulated calls (gateway.py, render.py), served and purged."""
