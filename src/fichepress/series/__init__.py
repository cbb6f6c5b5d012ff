"""Building a series: sheets, workers, stamps, the collection."""
