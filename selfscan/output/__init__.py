"""Output: charts (plotly figures), the PDF report and tabular exports (CSV, JSON, SQLite)."""
