"""The functional core: questionnaire model, scoring, anonymity, recommendations and the results
view model, in plain Python: no Flask, no SQL, no files."""
