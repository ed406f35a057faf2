"""The shade asset format: the shade model, the finish table, loading, validation and CSV import."""
