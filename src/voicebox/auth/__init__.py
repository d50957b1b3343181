"""Users, OAuth clients, tokens and grants."""
