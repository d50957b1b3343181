"""Call recordings: what was played and heard on a call, rendered to audio after it ends."""
