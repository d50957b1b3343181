"""The dialer: scheduling (windows, time zones, attempts), claiming, the worker loop."""
