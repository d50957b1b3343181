"""The scenario language: the body format, value coercion, keywords, placeholders and condition
operators. Below the engine (which runs it) and the scenario domain (which stores and validates
it); imports neither."""
