"""Phone numbers: the catalogue, reservations, purchases, monthly renewal."""
