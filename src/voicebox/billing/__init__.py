"""Money: the ledger behind every balance, tariffs and charges."""
