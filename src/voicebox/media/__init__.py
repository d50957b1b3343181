"""Media: text to speech, audio conversion, DTMF, G.711 and call recordings."""
