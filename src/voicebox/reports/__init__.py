"""Campaign reports: one row per abonent, as XLSX or CSV, streamed."""
