"""VoiceBox: an open voice-robot platform."""
