"""Call history: the rows the dialer writes and the history API reads."""
